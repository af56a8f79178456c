"""From a request's parameters to a checked document: its text, its syntax tree, its errors.

The text comes from the request itself (``query``), from a registered trusted document
(``documentId``, Relay's ``doc_id``, or a persisted-query hash that names one), or from the
automatic persisted queries a client registered earlier (Apollo's protocol: a hash alone,
then the hash with the text once the server says ``PERSISTED_QUERY_NOT_FOUND``).

A text is parsed with the token limit, checked against the size limits of
:mod:`api.graphql.limits`, and validated against the schema (reporting at most
:data:`MAX_VALIDATION_ERRORS`). A document that passes is kept in a cache bounded by the size
of its syntax trees; refused documents and documents larger than
:data:`CACHED_DOCUMENT_MAX_BYTES` are never kept, so no sequence of requests makes the process
hold more than :data:`DOCUMENT_CACHE_BYTES` of them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from cachetools import LRUCache
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    parse,
    validate,
)

from api.graphql.limits import Limits, check_document, coded_error
from api.graphql.params import Params, Refusal
from domain.documents.manifests import sha256_hex
from schema.documents import RULES

#: The bytes of syntax trees the prepared-document cache holds at most: about a hundred
#: documents of a front end's usual size.
DOCUMENT_CACHE_BYTES = 16 * 1024 * 1024
#: A syntax tree takes up to this many times the bytes of its text (75–120 measured).
TREE_BYTES_PER_TEXT_BYTE = 120
#: Validation stops after this many errors: a client needs the first few to fix a document.
MAX_VALIDATION_ERRORS = 10
#: Larger documents are prepared on every request and never cached.
CACHED_DOCUMENT_MAX_BYTES = 8 * 1024
#: The bytes of text the automatic persisted queries hold at most.
PERSISTED_CACHE_BYTES = 4 * 1024 * 1024
#: The version of the automatic persisted queries protocol.
APQ_VERSION = 1


@dataclass(frozen=True, slots=True)
class Prepared:
    """A document checked once: its tree and its operations, or the errors that refuse it."""

    text: str
    document: DocumentNode | None
    errors: tuple[GraphQLError, ...] = ()
    fragments: dict[str, FragmentDefinitionNode] = field(default_factory=dict)
    operations: tuple[OperationDefinitionNode, ...] = ()
    #: The operations (by name) a compiled plan cannot answer: the executor runs them.
    uncompiled: set[str | None] = field(default_factory=set)

    def operation(self, name: str | None) -> OperationDefinitionNode | GraphQLError:
        """The operation to run: the one named, or the only one."""
        if name is None:
            if len(self.operations) == 1:
                return self.operations[0]
            return GraphQLError(
                "The document holds several operations: name the one to run in `operationName`.",
                extensions={"code": "OPERATION_NAME_REQUIRED"},
            )
        for operation in self.operations:
            if operation.name is not None and operation.name.value == name:
                return operation
        return GraphQLError(
            f"The document has no operation named '{name}'.", extensions={"code": "UNKNOWN_OPERATION"}
        )


#: Looks a trusted document up by its id or by the sha256 of its text; None when not registered.
TrustedLookup = Callable[[str | None, str | None], Awaitable[str | None]]


class Documents:
    """Where document texts come from, and the prepared documents of this process."""

    def __init__(
        self, schema: GraphQLSchema, limits: Limits, trusted: TrustedLookup, *, trusted_only: bool
    ) -> None:
        self.schema = schema
        self.limits = limits
        self.trusted = trusted
        self.trusted_only = trusted_only
        self._prepared: LRUCache[str, Prepared] = LRUCache(DOCUMENT_CACHE_BYTES, getsizeof=_tree_size)
        self._persisted: LRUCache[str, str] = LRUCache(PERSISTED_CACHE_BYTES, getsizeof=len)

    async def text_of(self, params: Params) -> str | GraphQLError:
        """The request's document text, or the error a client of the protocol expects."""
        persisted = params.extensions.get("persistedQuery")
        if params.document_id is not None:
            return await self._registered(params.document_id)
        if persisted is not None:
            return await self._persisted_query(params.query, persisted)
        if params.query is None:
            raise Refusal(400, "BAD_REQUEST", "Send the document in `query` (or name one in `documentId`).")
        self._check_size(params.query)
        if self.trusted_only and await self.trusted(None, sha256_hex(params.query)) is None:
            return coded_error(
                "DOCUMENT_NOT_TRUSTED",
                "This deployment runs registered documents only: send a `documentId`.",
            )
        return params.query

    def prepare(self, text: str) -> Prepared:
        """The checked document for ``text``, from the cache when it was checked before."""
        cacheable = len(text) <= CACHED_DOCUMENT_MAX_BYTES
        if cacheable and (found := self._prepared.get(text)) is not None:
            return found
        prepared = self._check(text)
        if cacheable and not prepared.errors:
            self._prepared[text] = prepared
        return prepared

    def _check(self, text: str) -> Prepared:
        try:
            document = parse(text, max_lexical_tokens=self.limits.max_tokens)
        except GraphQLError as syntax_error:
            code = "TOO_MANY_TOKENS" if "tokens" in syntax_error.message else "GRAPHQL_PARSE_FAILED"
            syntax_error.extensions = {"code": code}
            return Prepared(text, None, (syntax_error,))
        refused = check_document(document, self.limits)
        if refused is not None:
            return Prepared(text, document, (refused,))
        errors = validate(self.schema, document, RULES, max_errors=MAX_VALIDATION_ERRORS)
        for error in errors:
            error.extensions = {"code": "GRAPHQL_VALIDATION_FAILED"}
        fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
        operations = tuple(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
        return Prepared(text, document, tuple(errors), fragments, operations)

    def _check_size(self, text: str) -> None:
        size = len(text.encode("utf-8")) if len(text) * 4 > self.limits.max_document_bytes else len(text)
        if size > self.limits.max_document_bytes:
            raise Refusal(
                413,
                "DOCUMENT_TOO_LARGE",
                f"The document is larger than {self.limits.max_document_bytes:,} bytes.",
            )

    async def _registered(self, document_id: str) -> str | GraphQLError:
        text = await self.trusted(document_id, None)
        if text is None:
            return coded_error(
                "PERSISTED_QUERY_NOT_FOUND", f"No document is registered as '{document_id[:200]}'."
            )
        return text

    async def _persisted_query(self, query: str | None, persisted: object) -> str | GraphQLError:
        if (
            not isinstance(persisted, dict)
            or persisted.get("version") != APQ_VERSION
            or not isinstance(persisted.get("sha256Hash"), str)
        ):
            raise Refusal(
                400, "BAD_REQUEST", "`extensions.persistedQuery` needs `version: 1` and a `sha256Hash`."
            )
        digest = persisted["sha256Hash"].lower()
        if query is None:
            known = self._persisted.get(digest) or await self.trusted(None, digest)
            if known is None:
                # Apollo's persisted-query link looks for this message and code, then sends the text.
                return coded_error("PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")
            return known
        self._check_size(query)
        if sha256_hex(query) != digest:
            raise Refusal(400, "PERSISTED_QUERY_HASH_MISMATCH", "`sha256Hash` is not the SHA-256 of `query`.")
        if self.trusted_only:
            known = await self.trusted(None, digest)
            if known is None:
                return coded_error(
                    "DOCUMENT_NOT_TRUSTED",
                    "This deployment runs registered documents only: send a `documentId`.",
                )
            return known
        return query

    def remember(self, params: Params, text: str) -> None:
        """Keep the text of an automatic persisted query, once a signed-in caller ran it."""
        persisted = params.extensions.get("persistedQuery")
        if params.query is not None and isinstance(persisted, dict) and not self.trusted_only:
            self._persisted[sha256_hex(text)] = text


def _tree_size(prepared: Prepared) -> int:
    return max(1, len(prepared.text)) * TREE_BYTES_PER_TEXT_BYTE
