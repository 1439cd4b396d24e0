"""
The "user's service" of test/downstream.int.test.ts: plain boto3, nothing of sqs-blast's.

It reads the input queue, and for each message decides from its shard and seq alone (a CRC of
them, so the choice does not line up with batches): drop it (1 in 500: deleted, never forwarded)
or forward it, twice for 1 in 250 of the rest. Forwarded bodies are wrapped as a real service would:

  string     {"order": {"source": <the original body, a string>}, "processedAt": ...}
  object     {"input": <the original body parsed, an object>, "status": "ok", "processedAt": ...}
  attribute  a new body with no head in it ({"confirmed": <the order>, ...}); the sqs-blast
             message attribute (a --body-template run's head) carried over

What it did is written to STATS after every batch (atomically): per message (shard and seq) the
copies it forwarded, so a message it received twice (a redelivery) counts the copies really sent.

With LIMIT > 0 it stops taking messages once it has taken that many (a service that died and
left the rest in its input queue); its threads finish the batch in hand first.

usage: downstream-service.py ENDPOINT INPUT_URL OUTPUT_URL MODE STATS [THREADS] [LIMIT]
"""
import json
import os
import sys
import threading
import time
import zlib

import boto3

endpoint, input_url, output_url, mode, stats_path = sys.argv[1:6]
threads = int(sys.argv[6]) if len(sys.argv) > 6 else 3
limit = int(sys.argv[7]) if len(sys.argv) > 7 else 0
sqs = boto3.client('sqs', endpoint_url=endpoint, region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test')

lock = threading.Lock()
copies = {}  # 'shard/seq' -> copies forwarded


def key_of(m):
    attr = m.get('MessageAttributes', {}).get('sqs-blast')
    head = json.loads(attr['StringValue']) if attr else json.loads(m['Body'])
    return f"{head['shard']}/{head['seq']}"


def decide(key):
    h = zlib.crc32(key.encode())
    if h % 500 == 0:
        return 0
    return 2 if (h // 500) % 250 == 0 else 1


def wrapped(m):
    now = time.time()
    if mode == 'string':
        return {'MessageBody': json.dumps({'order': {'source': m['Body']}, 'processedAt': now})}
    if mode == 'object':
        return {'MessageBody': json.dumps({'input': json.loads(m['Body']), 'status': 'ok', 'processedAt': now})}
    attr = m['MessageAttributes']['sqs-blast']
    return {
        'MessageBody': json.dumps({'confirmed': json.loads(m['Body']), 'processedAt': now}),
        'MessageAttributes': {'sqs-blast': {'DataType': attr['DataType'], 'StringValue': attr['StringValue']}},
    }


def write_stats():
    dropped = sum(1 for n in copies.values() if n == 0)
    doubled = sum(n - 1 for n in copies.values() if n > 1)
    tmp = stats_path + '.tmp'
    with open(tmp, 'w') as f:
        json.dump({'received': len(copies), 'dropped': dropped, 'doubled': doubled, 'forwarded': sum(copies.values())}, f)
    os.replace(tmp, stats_path)


def work():
    while not limit or len(copies) < limit:
        r = sqs.receive_message(QueueUrl=input_url, MaxNumberOfMessages=10, WaitTimeSeconds=1, VisibilityTimeout=120, MessageAttributeNames=['All'])
        ms = r.get('Messages', [])
        if not ms:
            continue
        entries, seqs = [], []
        for m in ms:
            seq = key_of(m)
            n = decide(seq)
            seqs.append((seq, n))
            for _ in range(n):
                entries.append(dict(wrapped(m), Id=str(len(entries))))
        for i in range(0, len(entries), 10):
            out = sqs.send_message_batch(QueueUrl=output_url, Entries=entries[i:i + 10])
            if out.get('Failed'):
                raise SystemExit(f"forward failed: {out['Failed']}")
        with lock:
            for seq, n in seqs:
                copies[seq] = copies.get(seq, 0) + n
            write_stats()
        sqs.delete_message_batch(QueueUrl=input_url, Entries=[{'Id': str(i), 'ReceiptHandle': m['ReceiptHandle']} for i, m in enumerate(ms)])


with lock:
    write_stats()
for _ in range(threads):
    threading.Thread(target=work, daemon=True).start()
print('ready', flush=True)
while True:
    time.sleep(3600)
