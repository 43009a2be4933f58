"""A host's backend script: answer one access request in memory and save the documents.

    python examples/answer_script.py dsr.toml gym-musterstadt L0000042 answer/

Uses only ``dsr``'s public API; ``mypy --strict`` checks it (scripts/lint).
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from pathlib import Path

import dsr


def main(argv: list[str]) -> int:
    config, controller, card_number, out = argv
    logging.basicConfig(level=logging.INFO)  # a host that logs at INFO: dsr's dependencies stay quiet
    settings = dsr.load(config)
    facts = dsr.RequestFacts(case_reference="JAMES-1", received_at=dt.date.today(), channel="email")
    try:
        reply: dsr.Answer = dsr.answer(settings, controller, dsr.Descriptor(card_number=card_number), facts=facts)
    except dsr.AmbiguousSubject as exc:
        print(f"an officer must decide between {len(exc.references)} candidates", file=sys.stderr)
        return 3
    if not reply.complete:
        failed = [r.store for r in reply.reports if r.state is not dsr.StoreState.OK]
        print(f"stores not answering: {', '.join(failed)}", file=sys.stderr)
        return 4
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in reply.files.items():
        (folder / name).write_bytes(content)
    copy: dsr.DisclosureJson = reply.json
    pdf: bytes = reply.pdf
    print(f"{copy.kind}: {copy.record_count} records, {len(pdf)} bytes of PDF, draft: {reply.draft}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
