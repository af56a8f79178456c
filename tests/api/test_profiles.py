"""A member's name and email are their own: set by their sign-in only, never by whoever grants
them a role, and shown alike to the people they work with in every tenant.

Sam works for two tenants: the agency Northwind grants Sam a role on a workspace, the brand
Bluefin a role on its organization. Neither tenant can describe Sam to the other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.access.roles import Role
from domain.persistence.database import Database
from tests import auth
from tests.api.builders import db_id, organization_of
from tests.api.helpers import ERRORS, create_workspace
from tests.client import GraphQLClient, signed_in

SAM = "auth0|sam"
PERSON = "id name email subject"
GRANT = f"""
mutation($input: GrantRoleInput!) {{
  grantRole(input: $input) {{ membership {{ id role member {{ {PERSON} }} }} {ERRORS} }}
}}
"""
REVOKE = f"mutation($id: ID!) {{ revokeRole(input: {{id: $id}}) {{ deletedId {ERRORS} }} }}"
NODE = f"query($id: ID!) {{ node(id: $id) {{ id ... on Member {{ {PERSON} }} }} }}"
MEMBERS = f"""
query($o: ID!, $w: ID!) {{
  organization(id: $o) {{ members {{ nodes {{ member {{ {PERSON} }} }} }} }}
  workspace(id: $w) {{ members {{ nodes {{ member {{ {PERSON} }} }} }} }}
}}
"""
VIEWER = "{ viewer { actor { name } member { id name email } } }"
INPUTS = "{ __schema { types { name kind inputFields { name } } mutationType { fields { name } } } }"


@dataclass(frozen=True, slots=True)
class Tenant:
    """An organization with one workspace, and the sign-in token of its owner."""

    owner: str
    organization: str
    workspace: str


async def tenant(db: Database, owner: str, name: str) -> Tenant:
    """A new organization and workspace, made by ``owner`` (who becomes its OWNER)."""
    token = auth.token(owner)
    async with signed_in(db, token) as client:
        workspace = await create_workspace(client, name)
        organization = await organization_of(client, workspace)
    return Tenant(token, organization, workspace)


async def grant(client: GraphQLClient, **input: Any) -> dict[str, Any]:
    """Run ``grantRole``; the membership granted (user errors fail the test)."""
    payload: dict[str, Any] = (await client.mutate(GRANT, input=input))["membership"]
    return payload


async def sign_in(db: Database, subject: str, **claims: Any) -> dict[str, Any]:
    """Sign in with a token carrying ``claims``; who the API says they are."""
    async with signed_in(db, auth.token(subject, **claims)) as client:
        viewer: dict[str, Any] = (await client.data(VIEWER))["viewer"]
    return viewer


async def seen(db: Database, who: Tenant, member_id: str) -> dict[str, Any] | None:
    """The member as the tenant's owner sees them by id (None: not at all)."""
    async with signed_in(db, who.owner) as client:
        found: dict[str, Any] | None = (await client.data(NODE, id=member_id))["node"]
    return found


async def listed(db: Database, token: str, where: Tenant) -> list[dict[str, Any]]:
    """Every member on the tenant's organization and workspace lists, as ``token``'s holder sees them."""
    async with signed_in(db, token) as client:
        data = await client.data(MEMBERS, o=where.organization, w=where.workspace)
    return [
        membership["member"]
        for place in (data["organization"], data["workspace"])
        if place is not None
        for membership in place["members"]["nodes"]
    ]


def of_sam(members: list[dict[str, Any]]) -> list[tuple[str | None, str | None]]:
    return [(member["name"], member["email"]) for member in members if member["subject"] == SAM]


@dataclass(frozen=True, slots=True)
class Sam:
    """Sam's member id and the roles Sam holds at each tenant."""

    member: str
    at_northwind: str
    at_bluefin: str


async def sam_in_both(db: Database) -> tuple[Tenant, Tenant, Sam]:
    """Northwind grants Sam EDITOR on its workspace, Bluefin VIEWER on its organization."""
    northwind = await tenant(db, "auth0|anna", "Northwind")
    bluefin = await tenant(db, "auth0|bo", "Bluefin")
    async with signed_in(db, northwind.owner) as anna:
        at_northwind = await grant(anna, workspaceId=northwind.workspace, subject=SAM, role="EDITOR")
    async with signed_in(db, bluefin.owner) as bo:
        at_bluefin = await grant(bo, organizationId=bluefin.organization, subject=SAM, role="VIEWER")
    assert at_bluefin["member"]["id"] == at_northwind["member"]["id"]
    return northwind, bluefin, Sam(at_northwind["member"]["id"], at_northwind["id"], at_bluefin["id"])


async def test_a_grant_names_the_member_by_subject_only(db: Database) -> None:
    northwind = await tenant(db, "auth0|anna", "Northwind")
    bluefin = await tenant(db, "auth0|bo", "Bluefin")
    async with signed_in(db, northwind.owner) as anna:
        granted = await grant(anna, workspaceId=northwind.workspace, subject=SAM, role="EDITOR")
        assert granted["member"] | {"id": None} == {"id": None, "name": None, "email": None, "subject": SAM}
        # There is no field to type a name or email into.
        for field, value in (("name", "Not Sam"), ("email", "planted@northwind.test")):
            typed = {"workspaceId": northwind.workspace, "subject": SAM, "role": "EDITOR", field: value}
            refused = await anna.post(GRANT, input=typed)
            assert refused.get("data") is None
            assert field in refused["errors"][0]["message"]
    assert of_sam(await listed(db, northwind.owner, northwind)) == [(None, None)]

    async with signed_in(db, bluefin.owner) as bo:
        granted = await grant(bo, organizationId=bluefin.organization, subject=SAM, role="VIEWER")
        assert (granted["member"]["name"], granted["member"]["email"]) == (None, None)
    assert of_sam(await listed(db, bluefin.owner, bluefin)) == [(None, None)]


async def test_the_member_s_own_sign_in_names_them_for_everyone(db: Database) -> None:
    northwind, bluefin, sam = await sam_in_both(db)
    viewer = await sign_in(db, SAM, name="Sam Rivera", email="sam@rivera.test")
    assert viewer == {
        "actor": {"name": "Sam Rivera"},
        "member": {"id": sam.member, "name": "Sam Rivera", "email": "sam@rivera.test"},
    }
    for who in (northwind, bluefin):
        assert of_sam(await listed(db, who.owner, who)) == [("Sam Rivera", "sam@rivera.test")]
        found = await seen(db, who, sam.member)
        assert found is not None
        assert (found["name"], found["email"]) == ("Sam Rivera", "sam@rivera.test")

    # A new name at the identity provider: the next sign-in brings it, already for that request.
    viewer = await sign_in(db, SAM, name="Sam Okafor", email="sam@okafor.test")
    assert viewer["actor"] == {"name": "Sam Okafor"}
    for who in (northwind, bluefin):
        assert of_sam(await listed(db, who.owner, who)) == [("Sam Okafor", "sam@okafor.test")]

    # A token without profile claims (many access tokens) keeps what the last one said.
    viewer = await sign_in(db, SAM)
    assert (viewer["member"]["name"], viewer["member"]["email"]) == ("Sam Okafor", "sam@okafor.test")

    # A grant made after Sam signed in shows Sam as Sam said, as every member there sees them.
    async with signed_in(db, northwind.owner) as anna:
        regranted = await grant(anna, workspaceId=northwind.workspace, subject=SAM, role="STRATEGIST")
        assert (regranted["member"]["name"], regranted["member"]["email"]) == (
            "Sam Okafor",
            "sam@okafor.test",
        )


async def test_a_claim_no_text_can_hold_is_taken_as_left_out(db: Database) -> None:
    """A name or email with a NUL character or half of a surrogate pair cannot be stored: the
    sign-in goes through, keeping what the last sign-in said."""
    await sign_in(db, SAM, name="Sam Rivera", email="sam@rivera.test")
    for name, email, kept in (
        ("Sam\x00Okafor", "sam@okafor.test", ("Sam Rivera", "sam@okafor.test")),
        ("Sam Okafor", "sam\ud800@bad.test", ("Sam Okafor", "sam@okafor.test")),
    ):
        viewer = await sign_in(db, SAM, name=name, email=email)
        assert (viewer["member"]["name"], viewer["member"]["email"]) == kept


async def test_no_tenant_can_change_the_member_s_name_or_email(db: Database) -> None:
    northwind, bluefin, sam = await sam_in_both(db)
    await sign_in(db, SAM, name="Sam Rivera", email="sam@rivera.test")

    # Everything a tenant may do to Sam: change the role, take it away, grant it again.
    async with signed_in(db, northwind.owner) as anna:
        changed = await grant(anna, workspaceId=northwind.workspace, subject=SAM, role="VIEWER")
        assert (await anna.mutate(REVOKE, id=changed["id"]))["deletedId"] == changed["id"]
        await grant(anna, workspaceId=northwind.workspace, subject=SAM, role="EDITOR")
    async with signed_in(db, bluefin.owner) as bo:
        await grant(bo, organizationId=bluefin.organization, subject=SAM, role="ADMIN")
    for who in (northwind, bluefin):
        found = await seen(db, who, sam.member)
        assert found is not None
        assert (found["name"], found["email"]) == ("Sam Rivera", "sam@rivera.test")

    # And no mutation takes a member's profile: no input has an email, grantRole a subject and role.
    async with signed_in(db, northwind.owner) as anna:
        schema = (await anna.data(INPUTS))["__schema"]
    inputs = {
        t["name"]: {f["name"] for f in t["inputFields"]}
        for t in schema["types"]
        if t["kind"] == "INPUT_OBJECT"
    }
    assert [name for name, fields in inputs.items() if "email" in fields] == []
    assert inputs["GrantRoleInput"] == {"organizationId", "workspaceId", "subject", "role"}
    mutations = [field["name"].lower() for field in schema["mutationType"]["fields"]]
    assert [name for name in mutations if "member" in name or "profile" in name] == []


async def test_someone_who_shares_nothing_with_the_member_cannot_see_them(db: Database) -> None:
    northwind, bluefin, sam = await sam_in_both(db)
    await sign_in(db, SAM, name="Sam Rivera", email="sam@rivera.test")
    async with signed_in(db, northwind.owner) as anna:
        other = await anna.mutate(
            'mutation($o: ID!) { createWorkspace(input: {organizationId: $o, name: "Other client"}) '
            f"{{ workspace {{ id }} {ERRORS} }} }}",
            o=northwind.organization,
        )
    elsewhere = Tenant(northwind.owner, northwind.organization, other["workspace"]["id"])
    # Carol works for Northwind too, but for another client: she shares no workspace with Sam.
    await auth.grant(db, "auth0|carol", Role.EDITOR, workspace_id=db_id(elsewhere.workspace))
    carol = auth.token("auth0|carol")
    # Dan belongs to a third tenant altogether.
    dan = (await tenant(db, "auth0|dan", "Corvid")).owner

    assert of_sam(await listed(db, carol, elsewhere)) == []
    for token in (carol, dan):
        for where in (northwind, bluefin):
            assert of_sam(await listed(db, token, where)) == []
        async with signed_in(db, token) as outsider:
            for id_ in (sam.member, sam.at_northwind, sam.at_bluefin):
                assert (await outsider.data(NODE, id=id_))["node"] is None

    # Each tenant sees Sam, but not the role Sam holds at the other.
    for who, theirs in ((northwind, sam.at_bluefin), (bluefin, sam.at_northwind)):
        async with signed_in(db, who.owner) as client:
            assert (await client.data(NODE, id=theirs))["node"] is None
            assert (await client.data(NODE, id=sam.member))["node"] is not None
