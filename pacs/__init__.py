"""PACS in, PACS out: studies from the hospital's archive, signed reports filed back with their study.

One concern, above :mod:`pixtralogist.core` (which never imports it) and below ``agents``' users
(the UI and the CLI):

- :mod:`~pixtralogist.pacs.settings`: the ``pacs:`` section of the site configuration (DICOMweb
  base URL and authentication, DIMSE AE titles/host/port, the listener, a FHIR R4 server); secrets
  come from the environment or a secret file and never reach logs;
- :mod:`~pixtralogist.pacs.client`: one :class:`~pixtralogist.pacs.client.PacsClient` interface,
  over DICOMweb (QIDO-RS, WADO-RS, STOW-RS with ``dicomweb-client``) or DIMSE (C-FIND, C-GET,
  C-STORE with ``pynetdicom``); malformed answers become clear :class:`~pixtralogist.pacs.errors.PacsError`\\ s;
- :mod:`~pixtralogist.pacs.worklist`: query studies, open one (retrieve, choose 1-4 representative
  images, ingest as uploads are, identity into the identity store, the prior report into the comparison),
  sign and file;
- :mod:`~pixtralogist.pacs.listener`: ``pixtralogist dicom-listen``, a storage SCP with a calling-AE allow-list;
- :mod:`~pixtralogist.pacs.outbox` and :mod:`~pixtralogist.pacs.filing`: the durable outbox of signed
  reports (DICOM SR to the PACS, optionally a FHIR DiagnosticReport), retried with backoff, idempotent
  by the SR's SOP Instance UID;
- :mod:`~pixtralogist.pacs.cli`: ``pixtralogist pacs ...`` and ``pixtralogist dicom-listen``.

Heavy or optional libraries (pynetdicom, dicomweb-client, requests) are imported inside functions.
"""
