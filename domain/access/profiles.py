"""A member's profile, their name and email: theirs alone, taken from their own sign-in.

A person is one member across every organization they work in, so no organization may
describe them to the others: whoever grants a role names the person by subject only, and a
member first seen through a grant has no name or email until they sign in. Each sign-in
stores the name and email claims of the person's token when they changed; a claim the token
leaves out (many access tokens carry no profile) keeps what was stored.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from domain.access.models import EMAIL_MAX, Member
from domain.values import NAME_MAX, storable


@dataclass(frozen=True, slots=True)
class Profile:
    """A member's name and email; None where unknown."""

    name: str | None = None
    email: str | None = None

    @classmethod
    def from_claims(cls, name: object, email: object) -> Profile:
        """The profile a sign-in token's ``name`` and ``email`` claims give, cut to the columns' length."""
        return cls(_claim(name, NAME_MAX), _claim(email, EMAIL_MAX))

    def over(self, stored: Profile) -> Profile:
        """This sign-in's profile laid over the stored one: a claim left out keeps the stored value."""
        return Profile(self.name or stored.name, self.email or stored.email)


def _claim(value: object, limit: int) -> str | None:
    """A claim as stored: a non-blank string, trimmed and cut to ``limit`` characters. A claim no
    text can be stored with (a NUL character, half of a surrogate pair) counts as left out."""
    if not isinstance(value, str) or not value.strip() or not storable(value):
        return None
    return value.strip()[:limit]


async def ensure_member(session: AsyncSession, subject: str, profile: Profile = Profile()) -> uuid.UUID:
    """The member with this subject, made if new: with the profile of their first sign-in, or
    with none when a grant names them first.

    An existing member is left as they are; only :func:`update_profile`, on their own sign-in,
    changes what they are called.
    """
    new = {"id": uuid.uuid4(), "subject": subject, "name": profile.name, "email": profile.email}
    await session.execute(insert(Member).values(new).on_conflict_do_nothing(index_elements=["subject"]))
    member_id: uuid.UUID = (
        await session.execute(select(Member.id).where(Member.subject == subject))
    ).scalar_one()
    return member_id


async def update_profile(session: AsyncSession, member_id: uuid.UUID, profile: Profile) -> None:
    """Store the member's name and email as their own sign-in gives them."""
    await session.execute(
        update(Member)
        .where(Member.id == member_id)
        .values(name=profile.name, email=profile.email, version=Member.version + 1)
        .execution_options(synchronize_session=False)
    )
