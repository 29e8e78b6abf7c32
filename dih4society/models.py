"""Every model, imported in one place so Alembic and the CLI see the whole schema."""

from .applications.models import (  # noqa: F401
    Application,
    AppState,
    Attachment,
    OutsideAid,
    ReferenceCounter,
)
from .assessments.models import Assessment, Satisfaction, T0Waiver, T1Reminder  # noqa: F401
from .auth.models import LoginThrottle, Role, User  # noqa: F401
from .budget.models import (  # noqa: F401
    AidGrant,
    BudgetAccount,
    BudgetSettings,
    LedgerEntry,
    LedgerKind,
)
from .calls.models import Call, SelectionMode, call_services  # noqa: F401
from .catalogue.models import Category, LegalBasis, Partner, Service  # noqa: F401
from .core.marks import ChangeMark  # noqa: F401
from .core.models import AuditEvent, FormStash, FormSubmission, Notification, OutboxEmail  # noqa: F401
from .organisations.models import Invitation, Organisation, OrgKind, SizeClass  # noqa: F401
from .reviews.models import Recommendation, Review, RubricCriterion  # noqa: F401
from .vouchers.models import AcceptanceMethod, VoucherAgreement  # noqa: F401
