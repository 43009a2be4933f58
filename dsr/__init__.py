"""dsr: answers GDPR data-subject requests for James – der Bibliotheks-Butler.

The pipeline, one module per stage: intake → identify → gather → redact → compose → render → deliver.
"""

from dsr.config import ControllerSettings, Settings, connect, load
from dsr.connector import Connector, StoreContext
from dsr.errors import (
    AmbiguousSubject,
    ConfigError,
    ConnectorError,
    DSRError,
    IdentityError,
    RenderError,
    UnknownSubject,
)
from dsr.gather import gather
from dsr.identify import confirm, resolve
from dsr.model import (
    Candidate,
    Classification,
    CollectionSpec,
    Descriptor,
    Evidence,
    Field,
    FieldSpec,
    Gathering,
    Identifier,
    IdentifierKind,
    KnownPerson,
    Profile,
    Record,
    Resolution,
    ResolutionStatus,
    StoreReport,
    StoreState,
    Subject,
)

__version__ = "0.1.0"

__all__ = [
    "AmbiguousSubject",
    "Candidate",
    "Classification",
    "CollectionSpec",
    "ConfigError",
    "Connector",
    "ConnectorError",
    "ControllerSettings",
    "Descriptor",
    "DSRError",
    "Evidence",
    "Field",
    "FieldSpec",
    "Gathering",
    "Identifier",
    "IdentifierKind",
    "IdentityError",
    "KnownPerson",
    "Profile",
    "Record",
    "RenderError",
    "Resolution",
    "ResolutionStatus",
    "Settings",
    "StoreContext",
    "StoreReport",
    "StoreState",
    "Subject",
    "UnknownSubject",
    "confirm",
    "connect",
    "gather",
    "load",
    "resolve",
]
