"""The official Python SDK of the OrionOS API (standard library only)."""
from ._http import SDK_VERSION
from .client import DEFAULT_BASE_URL, OrionOS, paginate
from .errors import (
    STATUS_OF_CODE,
    AgentUnavailableError,
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    CharacterInUseError,
    ConflictError,
    IdempotencyConflictError,
    InternalServerError,
    InvalidRequestError,
    MethodNotAllowedError,
    ModelError,
    NotFoundError,
    OrionOSError,
    PayloadTooLargeError,
    PermissionDeniedError,
    QuotaExceededError,
    RateLimitError,
    ServiceUnavailableError,
    WebhookDisabledError,
    WebhookVerificationError,
)
from .models import (
    Account,
    Agent,
    ApiKey,
    ApiResponse,
    Character,
    Citation,
    Conversation,
    KnowledgeDocument,
    McpServer,
    Message,
    Model,
    Page,
    Pagination,
    Plugin,
    SentMessage,
    Tool,
    ToolCall,
    Usage,
    Webhook,
    WebhookDelivery,
    WebhookEvent,
)
from .resources import ExportDownload
from .streaming import CompletedEvent, DeltaEvent, MessageStream, MessageStreamEvent, ToolCallEvent, ToolResultEvent
from .webhooks import verify_webhook

__version__ = SDK_VERSION

__all__ = [name for name in dir() if not name.startswith("_")]
