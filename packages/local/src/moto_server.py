"""moto's server, with DynamoDB's item operations made atomic and its transactions cheap.

- moto answers requests on several threads and its DynamoDB backend takes no lock, so two
  concurrent conditional writes or transactions can both pass their conditions (seen here: 20
  parallel creates with one name stored two). Real DynamoDB decides them one at a time; one lock
  around the backend's item operations does the same here.
- moto backs up a whole table with copy.deepcopy before every transaction (once per item of
  the transaction), so transactions slow down with the table's size (seen here: a soak of 1,000
  connections crawled, moto at 4.7 GB). The backup is made a copy of the table's item maps
  instead, once per transaction: a failed transaction still rolls back, because Put and Delete
  replace items rather than change them (this project's transactions use only Put and Delete).
- moto's SQS works out every attribute of a queue (counting its messages twice) to read whether
  it deduplicates by content, on every send: a send slowed with the queue's depth (measured here:
  3 ms into an empty queue, 49 ms into one of 1,000 messages). During a send, the queue answers
  that one attribute alone; everywhere else all of them, as before.
- It exits when the process that started it is gone: a run killed without its clean-up (a
  timeout, a crashed bench) would otherwise leave an emulator using CPU for every later run.

Test tooling only.
"""

import copy
import os
import sys
import threading
import time
from collections import defaultdict

import moto.dynamodb.models as dynamodb_models
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table
from moto.sqs.models import Queue, SQSBackend
from moto.server import main

_lock = threading.RLock()


def _atomic(operation):
    def locked(*args, **kwargs):
        with _lock:
            return operation(*args, **kwargs)

    return locked


for _name in (
    "put_item",
    "get_item",
    "query",
    "scan",
    "update_item",
    "delete_item",
    "transact_write_items",
    "transact_get_items",
):
    setattr(DynamoDBBackend, _name, _atomic(getattr(DynamoDBBackend, _name)))



class _CheapTableBackup:
    """Stands in for the `copy` module inside moto's DynamoDB backend."""

    # The backups of the transaction under way, by table: moto asks once per item of it.
    backups = None

    def __getattr__(self, name):
        return getattr(copy, name)

    def deepcopy(self, value, memo=None):
        if isinstance(value, Table):
            if self.backups is not None and id(value) in self.backups:
                return self.backups[id(value)]
            backup = copy.copy(value)
            backup.items = defaultdict(
                dict, {k: dict(v) if isinstance(v, dict) else v for k, v in value.items.items()}
            )
            if self.backups is not None:
                self.backups[id(value)] = backup
            return backup
        return copy.deepcopy(value, memo)


_backup = _CheapTableBackup()
dynamodb_models.copy = _backup
_transact = DynamoDBBackend.transact_write_items


def _transact_with_one_backup(*args, **kwargs):
    _backup.backups = {}
    try:
        return _transact(*args, **kwargs)
    finally:
        _backup.backups = None


# Under the lock: one transaction, and one set of backups, at a time.
DynamoDBBackend.transact_write_items = _atomic(_transact_with_one_backup)

_all_attributes = Queue.attributes.fget
_sending = threading.local()


def _attributes(queue):
    if getattr(_sending, "on", False):
        return {"ContentBasedDeduplication": str(queue.content_based_deduplication).lower()}
    return _all_attributes(queue)


def _while_sending(send):
    def sending(*args, **kwargs):
        # A batch sends each of its messages through send_message: the inner send leaves the flag as it found it.
        was, _sending.on = getattr(_sending, "on", False), True
        try:
            return send(*args, **kwargs)
        finally:
            _sending.on = was

    return sending


Queue.attributes = property(_attributes)
SQSBackend.send_message = _while_sending(SQSBackend.send_message)
SQSBackend.send_message_batch = _while_sending(SQSBackend.send_message_batch)


def _exit_with_parent():
    parent = os.getppid()
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(0)


if __name__ == "__main__":
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    sys.exit(main())
