"""The generator fills James databases on every dialect (small sizes)."""

from __future__ import annotations

import sqlalchemy as sa

from dsr.demo import populate_school, populate_vendor


def test_populate_school_and_vendor_on_each_dialect(db_url: str) -> None:
    school = populate_school(db_url, readers=30, loans_per_reader=4, seed=2)
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            persons = conn.execute(sa.text("SELECT COUNT(*) FROM person")).scalar_one()
            assert persons == school.counts["person"]
            pupil = school.featured["pupil"]
            row = conn.execute(
                sa.text("SELECT card_number, login_name, date_of_birth FROM person WHERE id = :i"),
                {"i": pupil.person_id},
            ).one()
            # raw SQL: SQLite gives the date as text, the others as a date
            assert (row[0], row[1], str(row[2])) == (
                pupil.card_number,
                pupil.login_name,
                pupil.date_of_birth.isoformat(),
            )
            assert conn.execute(sa.text("SELECT COUNT(*) FROM loan WHERE person_id IS NULL")).scalar_one() > 0
        # the vendor tables live in their own database; here they go into the same one, which the DDL allows
        vendor = populate_vendor(engine, [school], seed=2)
        with engine.connect() as conn:
            assert (
                conn.execute(sa.text("SELECT contact_email FROM customer WHERE id = 1")).scalar_one()
                == school.contact.email
            )
            assert conn.execute(sa.text("SELECT COUNT(*) FROM invoice")).scalar_one() == vendor.counts["invoice"]
    finally:
        engine.dispose()
