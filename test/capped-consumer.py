"""The "user's service" of the external-consumer tests: a boto3 consumer that sqs-blast's code
does not touch, capped at a known rate. THREADS threads each receive batches of 10, delete them,
and pace themselves at RATE / THREADS messages a second with no credit: after taking n messages a
thread's next receive waits n / its rate from the later of its previous deadline and the moment it
asked, so a thread that was idle or under its cap banks nothing to burst with later. Several
threads keep the raw capacity well above the cap on a busy machine (one thread's receive + delete
took ~25 ms there, 400 msg/s at most), so the cap, not the CPU, sets the pace.
With FAIL_EVERY = k > 0 every k-th message is left undeleted (the consumer "failed" it): the
queue's redrive policy moves it to the DLQ.

usage: capped-consumer.py ENDPOINT QUEUE_URL RATE [FAIL_EVERY] [THREADS]
Prints "ready" once every thread's first receive is answered, and on SIGTERM one JSON line of what it did.
"""
import json
import signal
import sys
import threading
import time

import boto3

endpoint, url, rate = sys.argv[1], sys.argv[2], float(sys.argv[3])
fail_every = int(sys.argv[4]) if len(sys.argv) > 4 else 0
threads = int(sys.argv[5]) if len(sys.argv) > 5 else 4

stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
lock = threading.Lock()
counts = {'taken': 0, 'deleted': 0, 'failed': 0}
started = threading.Barrier(threads + 1)


def consume():
    sqs = boto3.session.Session().client('sqs', endpoint_url=endpoint, region_name='us-east-1')
    own = rate / threads
    next_at = time.monotonic()
    first = True
    while not stop.is_set():
        now = time.monotonic()
        if next_at > now:
            time.sleep(min(next_at - now, 0.5))
            continue
        r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        if first:
            started.wait()
            first = False
        ms = r.get('Messages', [])
        next_at = max(next_at, now) + len(ms) / own
        keep = []
        with lock:
            for m in ms:
                counts['taken'] += 1
                if fail_every and counts['taken'] % fail_every == 0:
                    counts['failed'] += 1
                else:
                    keep.append(m)
        if keep:
            sqs.delete_message_batch(QueueUrl=url, Entries=[{'Id': str(i), 'ReceiptHandle': m['ReceiptHandle']} for i, m in enumerate(keep)])
            with lock:
                counts['deleted'] += len(keep)


workers = [threading.Thread(target=consume, daemon=True) for _ in range(threads)]
for w in workers:
    w.start()
started.wait()
print('ready', flush=True)
while not stop.is_set():
    stop.wait(0.2)
for w in workers:
    w.join(timeout=5)
print(json.dumps(counts), flush=True)
