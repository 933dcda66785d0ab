"""Ingestion of the export drop folder into the warehouse's landing and quality tables."""

from flows.ingest.load import DropFolderChanged, NoSpaceLeft, ingest_exports
from flows.ingest.schema import ensure_schema

__all__ = ["DropFolderChanged", "NoSpaceLeft", "ensure_schema", "ingest_exports"]
