/**
 * A strict SQS front for tests: it checks every request's SigV4 signature as AWS does, then
 * forwards the good ones to the suite's emulator (fauxqs, which checks nothing). Emulators accept
 * any key at any time, so without this front nothing shows whether a client signs on the right
 * clock, sends the session token, or keeps working when its credentials expire mid-run.
 *
 * What it checks, in AWS's order, and how it refuses (AWS JSON-protocol errors, as SQS sends them):
 * - an Authorization header of AWS4-HMAC-SHA256 (MissingAuthenticationToken, 403);
 * - a known access key (InvalidClientTokenId, 403), its session token when it has one
 *   (InvalidClientTokenId, 403), and that it has not expired on the front's clock (ExpiredToken, 403);
 * - X-Amz-Date within 5 minutes of the front's clock (InvalidSignatureException "Signature
 *   expired" / "Signature not yet current", 400: what the SDK's clock-skew codes expect);
 * - the credential scope: its date is X-Amz-Date's, its region the front's, service sqs
 *   (InvalidSignatureException, 400);
 * - host and x-amz-date signed, every signed header present, x-amz-content-sha256 (if sent) the
 *   body's hash, and the signature recomputed from the canonical request over exactly the
 *   signed headers (InvalidSignatureException / SignatureDoesNotMatch, 400 / 403).
 * Every reply, forwarded or not, carries a Date header of the front's clock, which may be set
 * off by `clockOffsetMs` (a server whose clock is ahead of ours is a client whose clock is behind).
 */
import { createHash, createHmac } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AcceptedKey {
  secretAccessKey: string;
  /** A session key: requests must carry this token. */
  sessionToken?: string;
  /** Epoch ms (the front's clock) from which the key answers ExpiredToken. */
  expiresAt?: number;
}

export interface VerifyingSqsOptions {
  /** Where good requests go (fauxqs). */
  upstream: string;
  region?: string;
  /** The front's clock minus the real one, ms (settable later: `clockOffsetMs`). */
  clockOffsetMs?: number;
  /** Access key id -> key. */
  keys?: Record<string, AcceptedKey>;
  /**
   * A file of JSON lines {accessKeyId, secretAccessKey, sessionToken?, expiration? (ISO)}, read
   * again whenever a request names a key the front does not know: a credential_process script
   * registers each key it hands out by appending a line.
   */
  keysFile?: string;
}

export interface VerifyingSqs {
  endpoint: string;
  clockOffsetMs: number;
  keys: Map<string, AcceptedKey>;
  /** Refusals by code, and requests forwarded, and the distinct keys that signed them. */
  refused: Record<string, number>;
  forwarded: number;
  keysUsed: Set<string>;
  stop(): Promise<void>;
}

const FIVE_MINUTES = 5 * 60_000;
const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

const amzDateOf = (ms: number) => new Date(ms).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
const parseAmzDate = (s: string) => {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : NaN;
};
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();

class Refusal {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly message: string,
  ) {}
}

/** RFC 3986 encoding as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
const uriEncode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

function canonicalQuery(search: string): string {
  const pairs = [...new URLSearchParams(search)].map(([k, v]) => [uriEncode(k), uriEncode(v)]);
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/** Header values by lower-case name, repeated headers joined by commas, as SigV4 canonicalises them. */
function headerValues(raw: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    const value = raw[i + 1].trim().replace(/\s+/g, ' ');
    out.set(name, out.has(name) ? `${out.get(name)},${value}` : value);
  }
  return out;
}

export async function startVerifyingSqs(options: VerifyingSqsOptions): Promise<VerifyingSqs> {
  const upstream = new URL(options.upstream);
  const region = options.region ?? 'us-east-1';
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const front: VerifyingSqs = {
    endpoint: '',
    clockOffsetMs: options.clockOffsetMs ?? 0,
    keys: new Map(Object.entries(options.keys ?? {})),
    refused: {},
    forwarded: 0,
    keysUsed: new Set(),
    stop: async () => undefined,
  };

  function keyOf(id: string): AcceptedKey | undefined {
    if (!front.keys.has(id) && options.keysFile && existsSync(options.keysFile)) {
      for (const line of readFileSync(options.keysFile, 'utf8').split('\n')) {
        if (!line.trim()) continue;
        const k = JSON.parse(line) as { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: string };
        if (!front.keys.has(k.accessKeyId)) {
          front.keys.set(k.accessKeyId, { secretAccessKey: k.secretAccessKey, sessionToken: k.sessionToken, expiresAt: k.expiration ? Date.parse(k.expiration) : undefined });
        }
      }
    }
    return front.keys.get(id);
  }

  /** The refusal AWS would answer, or undefined for a good request. */
  function verify(req: http.IncomingMessage, body: Buffer, now: number): Refusal | string {
    const headers = headerValues(req.rawHeaders);
    const auth = headers.get('authorization');
    const m = auth && /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
    if (!m) return new Refusal(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    const [, keyId, scopeDate, scopeRegion, service, signedList, signature] = m;
    const key = keyOf(keyId);
    if (!key) return new Refusal(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
    if (key.sessionToken !== undefined && headers.get('x-amz-security-token') !== key.sessionToken) {
      return new Refusal(403, 'InvalidClientTokenId', 'The security token included in the request is invalid.');
    }
    if (key.expiresAt !== undefined && now >= key.expiresAt) return new Refusal(403, 'ExpiredToken', 'The security token included in the request is expired');
    const amzDate = headers.get('x-amz-date') ?? '';
    const signedAt = parseAmzDate(amzDate);
    if (Number.isNaN(signedAt)) return new Refusal(400, 'IncompleteSignatureException', `Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.`);
    if (signedAt < now - FIVE_MINUTES) {
      return new Refusal(400, 'InvalidSignatureException', `Signature expired: ${amzDate} is now earlier than ${amzDateOf(now - FIVE_MINUTES)} (${amzDateOf(now)} - 5 min.)`);
    }
    if (signedAt > now + FIVE_MINUTES) {
      return new Refusal(400, 'InvalidSignatureException', `Signature not yet current: ${amzDate} is still later than ${amzDateOf(now + FIVE_MINUTES)} (${amzDateOf(now)} + 5 min.)`);
    }
    if (scopeDate !== amzDate.slice(0, 8)) {
      return new Refusal(400, 'InvalidSignatureException', `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${scopeDate}' != '${amzDate.slice(0, 8)}', from '${amzDate}'.`);
    }
    if (scopeRegion !== region) return new Refusal(400, 'InvalidSignatureException', `Credential should be scoped to a valid region. `);
    if (service !== 'sqs') return new Refusal(400, 'InvalidSignatureException', `Credential should be scoped to correct service: 'sqs'. `);
    const signed = signedList.split(';');
    if (!signed.includes('host') || !signed.includes('x-amz-date')) return new Refusal(400, 'InvalidSignatureException', `'Host' or 'x-amz-date' must be a 'SignedHeader' in the AWS Authorization.`);
    if ([...signed].sort().join(';') !== signedList) return new Refusal(400, 'InvalidSignatureException', SIGNATURE_MISMATCH);
    const missing = signed.find((h) => !headers.has(h));
    if (missing) return new Refusal(403, 'SignatureDoesNotMatch', SIGNATURE_MISMATCH);
    const bodyHash = sha256(body);
    const claimed = headers.get('x-amz-content-sha256');
    if (claimed !== undefined && claimed !== 'UNSIGNED-PAYLOAD' && claimed !== bodyHash) {
      return new Refusal(400, 'XAmzContentSHA256Mismatch', 'The provided x-amz-content-sha256 header does not match what was computed.');
    }
    const url = new URL(req.url ?? '/', 'http://front');
    const path = url.pathname.split('/').map((seg) => uriEncode(decodeURIComponent(seg))).join('/') || '/';
    const canonical = [req.method, path, canonicalQuery(url.search), ...signed.map((h) => `${h}:${headers.get(h)}`), '', signedList, bodyHash].join('\n');
    const scope = `${scopeDate}/${scopeRegion}/${service}/aws4_request`;
    const toSign = `AWS4-HMAC-SHA256\n${amzDate}\n${scope}\n${sha256(canonical)}`;
    let k = hmac('AWS4' + key.secretAccessKey, scopeDate);
    for (const part of [scopeRegion, service, 'aws4_request']) k = hmac(k, part);
    if (hmac(k, toSign).toString('hex') !== signature) return new Refusal(400, 'InvalidSignatureException', SIGNATURE_MISMATCH);
    return keyId;
  }

  function refuse(res: http.ServerResponse, r: Refusal, now: number): void {
    front.refused[r.code] = (front.refused[r.code] ?? 0) + 1;
    const body = JSON.stringify({ __type: `com.amazon.coral.service#${r.code}`, message: r.message });
    res.writeHead(r.status, {
      date: new Date(now).toUTCString(),
      'content-type': 'application/x-amz-json-1.0',
      'content-length': Buffer.byteLength(body),
      'x-amzn-requestid': `refused-${Date.now()}`,
      // What SQS's JSON endpoint adds for clients of the query protocol (ignored by JSON clients).
      'x-amzn-query-error': `${r.code};Sender`,
    });
    res.end(body);
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const now = Date.now() + front.clockOffsetMs;
      const verdict = verify(req, body, now);
      if (verdict instanceof Refusal) return refuse(res, verdict, now);
      front.forwarded++;
      front.keysUsed.add(verdict);
      const headers = { ...req.headers, host: upstream.host };
      const out = http.request({ agent, hostname: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers }, (up) => {
        const replyHeaders = { ...up.headers, date: new Date(Date.now() + front.clockOffsetMs).toUTCString() };
        res.writeHead(up.statusCode ?? 502, replyHeaders);
        up.pipe(res);
      });
      out.on('error', (e) => {
        res.writeHead(502, { date: new Date(now).toUTCString() });
        res.end(String(e));
      });
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  front.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  front.stop = () =>
    new Promise<void>((resolve) => {
      agent.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return front;
}
