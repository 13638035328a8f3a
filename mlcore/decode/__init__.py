"""Bytes -> bounded decode (sandboxed DICOM, codestream checks) -> grayscale picture."""
