"""The browser tests' check of a server log: choreographer's report of a message it ignored is not ours; any other traceback is."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent / "browser"))

from harness import server_tracebacks  # noqa: E402

# As a loaded `make test` logged it while a map picture was drawn (paths shortened).
IGNORED = """JSONError decoding message. Ignoring
Traceback (most recent call last):
  File "/x/.venv/lib/python3.11/site-packages/choreographer/channels/_wire.py", line 99, in deserialize
    return simplejson.loads(message)
  File "/x/.venv/lib/python3.11/site-packages/simplejson/__init__.py", line 518, in loads
    return _default_decoder.decode(s)
simplejson.errors.JSONDecodeError: Expecting property name enclosed in double quotes or '}': line 1 column 2 (char 1)

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/x/.venv/lib/python3.11/site-packages/choreographer/channels/pipe.py", line 230, in read_jsons
    jsons.append(wire.deserialize(raw_message))
  File "/x/.venv/lib/python3.11/site-packages/choreographer/channels/_wire.py", line 101, in deserialize
    raise JSONError from e
choreographer.channels._errors.JSONError
"""
OURS = """Traceback (most recent call last):
  File "/x/usascp/aggregate.py", line 210, in per_view
    held = sum(size for _, size in list(views.values()))
RuntimeError: OrderedDict mutated during iteration
"""


def test_choreographers_ignored_message_is_not_counted_but_every_other_traceback_is():
    assert server_tracebacks("  You can now view your Streamlit app in your browser.\n" + IGNORED) == []
    assert len(server_tracebacks(IGNORED + OURS)) == 1
    assert len(server_tracebacks(OURS + IGNORED + OURS)) == 2
    # The same words around a frame of ours: counted.
    disguised = IGNORED.replace("/x/.venv/lib/python3.11/site-packages/choreographer/channels/pipe.py", "/x/usascp/images.py")
    assert len(server_tracebacks(disguised)) == 2
