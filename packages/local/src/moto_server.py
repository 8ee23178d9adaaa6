"""moto's server, with DynamoDB's item operations made atomic.

moto answers requests on several threads and its DynamoDB backend takes no lock, so two
concurrent conditional writes or transactions can both pass their conditions (seen here: 20
parallel creates with one name stored two). Real DynamoDB decides them one at a time; one lock
around the backend's item operations does the same here. Test tooling only.
"""

import sys
import threading

from moto.dynamodb.models import DynamoDBBackend
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

if __name__ == "__main__":
    sys.exit(main())
