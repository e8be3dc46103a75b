import uuid

NAMESPACE = uuid.UUID("6f1c3c2e-2a4b-5d1e-9b7a-3c1e2f4a5b6d")


def natural_uuid(*parts: str) -> str:
    """A uuid that two machines recording the same natural key make alike."""
    return str(uuid.uuid5(NAMESPACE, "\x1f".join(parts)))
