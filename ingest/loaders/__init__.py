"""One module per file format, all with ``load(path, max_bytes=...) -> RawDocument``.

Loaders only turn bytes into raw text and raise ``IngestFileError`` with a
one-line reason for anything they cannot read; all cleaning happens in
:mod:`ingest.pipeline` so every format gets the same treatment.
"""
