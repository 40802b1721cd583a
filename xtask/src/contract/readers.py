
"""The simulator's files, opened by independent readers."""
import json
import sys
import zipfile

import extract_msg

ready = json.loads(sys.argv[1])
failures = []

expected = ready["msg"]
msg = extract_msg.openMsg(expected["path"])
observed = {
    "subject": (msg.subject, expected["subject"]),
    "sender": (msg.sender, expected["sender"]),
    "to": (msg.to, "; ".join(expected["to"])),
    "cc": (msg.cc, "; ".join(expected["cc"])),
    "body": (msg.body, expected["body"]),
    "attachment": ([a.longFilename for a in msg.attachments], [expected["attachment"]]),
}
for name, (got, want) in observed.items():
    if got != want:
        failures.append(f"MSG {name}: extract-msg read {got!r}, expected {want!r}")
print(f"    MSG: extract-msg {extract_msg.__version__} read subject, sender, to, cc, body and attachment"
      + ("" if failures else " as expected"))

expected = ready["zip"]
with zipfile.ZipFile(expected["path"]) as archive:
    bad = archive.testzip()
    if bad is not None:
        failures.append(f"ZIP: CRC or header error in {bad}")
    entries = archive.infolist()
    sizes = [e.file_size for e in entries]
    if sum(sizes) != expected["pst_total"]:
        failures.append(f"ZIP: parts hold {sum(sizes)} bytes, expected {expected['pst_total']}")
    if len(entries) < 2 or any(s > expected["part_limit"] for s in sizes):
        failures.append(f"ZIP: parts {sizes} do not respect the limit {expected['part_limit']}")
    for entry in entries:
        with archive.open(entry) as part:
            if part.read(4) != b"!BDN":
                failures.append(f"ZIP: {entry.filename} is not a PST")
print(f"    ZIP: Python zipfile read {len(entries)} PST parts of {sizes} bytes, CRC-32 checked")

for failure in failures:
    print(f"    FAILED {failure}")
sys.exit(1 if failures else 0)
