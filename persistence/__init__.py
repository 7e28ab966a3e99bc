"""Persistence: where cases, edits, signatures and identities are kept.

One layer above core and the specialty kit, below the agent:

- :mod:`~pixtralogist.persistence.checkpoints`: the LangGraph checkpointer and the case list
  (SQLite ``agent.sqlite`` or PostgreSQL), and the guideline index (chromadb or a Chroma server);
- :mod:`~pixtralogist.persistence.case_index`: the case list;
- :mod:`~pixtralogist.persistence.images`: the cases' images, stored once beside the checkpoints;
- :mod:`~pixtralogist.persistence.feedback`: the feedback store (drafts, edits, sign-offs);
- :mod:`~pixtralogist.persistence.audit` (+ :mod:`~pixtralogist.persistence.audit_seal`): the
  tamper-evident audit log;
- :mod:`~pixtralogist.persistence.identity`: the identity store;
- :mod:`~pixtralogist.persistence.adapters`: the adapter registry's records;
- :mod:`~pixtralogist.persistence.database` and :mod:`~pixtralogist.persistence.sqlite`: the one
  SQL layer (SQLite or PostgreSQL) and the one durable SQLite opener every store uses.

Where each store lives is configured by :class:`pixtralogist.core.storage.StorageSettings`.
"""
