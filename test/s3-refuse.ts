/**
 * S3 refusing object writes as it refuses a caller whose policy lacks s3:PutObject: 403 with S3's
 * XML error body. For a CallRecorder in front of the real (fauxqs) S3: bucket calls still pass,
 * so the location exists (and could be listed) but cannot be written.
 */
import type http from 'node:http';

export function refusePutObject(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  const path = req.url?.split('?')[0] ?? '/';
  if (req.method !== 'PUT' || !/^\/[^/]+\/.+/.test(path)) return false;
  req.resume();
  res.writeHead(403, { 'content-type': 'application/xml', 'x-amz-request-id': 'REFUSED' });
  res.end('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>REFUSED</RequestId><HostId>test</HostId></Error>');
  return true;
}
