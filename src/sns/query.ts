/**
 * SNS PublishBatch on the lean path, in SNS's awsQuery protocol as @aws-sdk/client-sns speaks it
 * (@aws-sdk/core AwsQueryProtocol, API version 2010-03-31): a form-encoded request
 * (`Action=PublishBatch&Version=…&TopicArn=…&PublishBatchRequestEntries.member.N.Id=…`, values
 * escaped as the SDK's extendedEncodeURIComponent does), an XML reply of Successful and Failed
 * members, and XML error replies (`<ErrorResponse><Error><Code>`), whose codes are named as the
 * SDK names SNS's errors (Throttled: ThrottledException). The send loops build SendMessageBatch's
 * JSON; this reads it as PublishBatch's input, so the writer stays one.
 */
import { SqsError } from '../errors.js';
import { isRetryableReply } from '../sqs/error-codes.js';
import type { WireProtocol } from '../sqs/wire.js';
import type { BatchReply } from '../worker-kit/batch-call.js';

export const SNS_API_VERSION = '2010-03-31';

interface SendBatchBody {
  QueueUrl: string;
  Entries: Array<{ Id: string; MessageBody: string; MessageAttributes?: Record<string, { DataType: string; StringValue?: string }> }>;
}

/** encodeURIComponent and !'()*, as the SDK's query serializer escapes (RFC 3986). */
function encode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** The PublishBatch form for the loops' SendMessageBatch body (QueueUrl holds the topic ARN). */
export function publishBatchForm(sendBatch: Buffer | string): Buffer {
  const b = JSON.parse(typeof sendBatch === 'string' ? sendBatch : sendBatch.toString('utf8')) as SendBatchBody;
  const parts = [`Action=PublishBatch&Version=${SNS_API_VERSION}&TopicArn=${encode(b.QueueUrl)}`];
  b.Entries.forEach((e, i) => {
    const m = `PublishBatchRequestEntries.member.${i + 1}.`;
    parts.push(`${m}Id=${encode(e.Id)}`, `${m}Message=${encode(e.MessageBody)}`);
    Object.entries(e.MessageAttributes ?? {}).forEach(([name, v], j) => {
      const a = `${m}MessageAttributes.entry.${j + 1}.`;
      parts.push(`${a}Name=${encode(name)}`, `${a}Value.DataType=${encode(v.DataType)}`);
      if (v.StringValue !== undefined) parts.push(`${a}Value.StringValue=${encode(v.StringValue)}`);
    });
  });
  return Buffer.from(parts.join('&'), 'utf8');
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function unescapeXml(s: string): string {
  return s.replace(/&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g, (_, e: string) =>
    e[0] === '#' ? String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)) : ENTITIES[e],
  );
}

function field(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([\\s\\S]*?)</${name}>`).exec(xml);
  return m ? unescapeXml(m[1].trim()) : undefined;
}

/** The members of one list element (`<Successful>…</Successful>`); an empty list may be `<Failed/>`. */
function members(xml: string, list: string): string[] {
  const m = new RegExp(`<${list}>([\\s\\S]*?)</${list}>`).exec(xml);
  return m ? [...m[1].matchAll(/<member>([\s\S]*?)<\/member>/g)].map((x) => x[1]) : [];
}

/** A 200 PublishBatch reply, as the batch caller reads a *Batch reply; one without its result element does not parse (InvalidResponse). */
export function readPublishBatchReply(body: Buffer): BatchReply {
  const xml = body.toString('utf8');
  if (!xml.includes('<PublishBatchResult')) throw new Error('not a PublishBatch reply');
  return {
    Successful: members(xml, 'Successful').map((m) => ({ Id: field(m, 'Id') ?? '' })),
    Failed: members(xml, 'Failed').map((m) => ({ Id: field(m, 'Id') ?? '', Code: sdkName(field(m, 'Code') ?? 'UnknownError'), SenderFault: field(m, 'SenderFault') === 'true', Message: field(m, 'Message') })),
  };
}

/**
 * SNS's query error codes and the SDK's names for them (its model's awsQueryError traits, as
 * @aws-sdk/client-sns carries them); a code not listed keeps its own name.
 */
const SDK_NAMES: ReadonlyMap<string, string> = new Map(Object.entries({
  Throttled: 'ThrottledException',
  NotFound: 'NotFoundException',
  InvalidParameter: 'InvalidParameterException',
  ParameterValueInvalid: 'InvalidParameterValueException',
  AuthorizationError: 'AuthorizationErrorException',
  InternalError: 'InternalErrorException',
  KMSThrottling: 'KMSThrottlingException',
  EmptyBatchRequest: 'EmptyBatchRequestException',
  TooManyEntriesInBatchRequest: 'TooManyEntriesInBatchRequestException',
  BatchEntryIdsNotDistinct: 'BatchEntryIdsNotDistinctException',
  BatchRequestTooLong: 'BatchRequestTooLongException',
  InvalidBatchEntryId: 'InvalidBatchEntryIdException',
}));

function sdkName(code: string): string {
  return SDK_NAMES.get(code) ?? code;
}

/**
 * An SNS error reply: its Code (named as the SDK names it), else the status; retried as the SDK
 * retries it. `serverDate` lets the wire correct a skewed clock (sqs/clock-offset.ts), as on SQS.
 */
export function snsErrorFromReply(status: number, text: string, serverDate?: string): SqsError {
  const raw = field(text, 'Code');
  const code = raw ? sdkName(raw) : `Http${status}`;
  const message = field(text, 'Message') ?? text.slice(0, 200);
  return new SqsError(code, message, isRetryableReply(code, status, message), status, serverDate);
}

export const SNS_QUERY: WireProtocol = {
  service: 'sns',
  shape: 'query',
  target: () => 'PublishBatch',
  error: (status, text, _queryError, serverDate) => snsErrorFromReply(status, text, serverDate),
};
