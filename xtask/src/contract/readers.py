
"""The simulator's files, opened by independent readers."""
import email
import email.policy
import json
import os
import subprocess
import sys
import tempfile
import zipfile
import zlib

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

def readpst(path):
    """Extracts a PST with readpst, one .eml per message; returns {folder: [message]}."""
    out = tempfile.mkdtemp(prefix="readpst-")
    run = subprocess.run(["readpst", "-D", "-j0", "-e", "-q", "-o", out, path],
                         capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"readpst failed on {path}: {run.stderr.strip() or run.stdout.strip()}")
    folders = {}
    for directory, _, files in os.walk(out):
        for name in sorted(files, key=lambda n: int(n.split(".")[0]) if n.split(".")[0].isdigit() else 0):
            if not name.endswith(".eml"):
                continue
            with open(os.path.join(directory, name), "rb") as f:
                message = email.message_from_binary_file(f, policy=email.policy.default)
            # The first directory level is the store's display name.
            parts = os.path.relpath(directory, out).split(os.sep)[1:]
            folders.setdefault("/".join(parts), []).append(message)
    return folders


def lines(text):
    """Text with its line ends as the MIME reader gives them: LF, none at the end."""
    return text.replace("\r\n", "\n").rstrip("\n")


def plain_body(message):
    part = message.get_body(preferencelist=("plain",))
    return lines(part.get_content()) if part is not None else None


def attachments(message):
    return [(a.get_filename(), zlib.crc32(a.get_payload(decode=True))) for a in message.iter_attachments()]


def names(message, header):
    """The names in a To or Cc header as readpst writes them: display names, `; ` apart."""
    raw = next((v for k, v in message.raw_items() if k.lower() == header), "")
    return [n.strip() for n in str(raw).split(";") if n.strip()]


expected = ready["pst"]
extracted = readpst(expected["path"])
wanted = {}
for m in expected["messages"]:
    wanted.setdefault(m["folder"], []).append(m)
if sorted(extracted) != sorted(wanted):
    failures.append(f"PST: readpst found folders {sorted(extracted)}, expected {sorted(wanted)}")
checked = 0
for folder, messages in wanted.items():
    got = extracted.get(folder, [])
    if len(got) != len(messages):
        failures.append(f"PST: {folder}: readpst found {len(got)} messages, expected {len(messages)}")
        continue
    by_subject = {}
    for message in got:
        by_subject.setdefault(str(message["subject"]), []).append(message)
    for want in messages:
        candidates = by_subject.get(want["subject"], [])
        match = next((c for c in candidates if plain_body(c) == lines(want["body"])), None)
        if match is None:
            failures.append(f"PST: {folder}: no message {want['subject']!r} with the expected body")
            continue
        candidates.remove(match)
        observed = {
            "from": (str(match["from"]), want["from"]),
            "to": (names(match, "to"), want["to"]),
            "cc": (names(match, "cc"), want["cc"]),
            "attachment": (attachments(match), [(want["attachment"], want["attachment_crc32"])]),
        }
        wrong = [(name, have, should) for name, (have, should) in observed.items() if have != should]
        for name, have, should in wrong:
            failures.append(f"PST: {folder}: {want['subject']!r} {name}: readpst read {have!r}, expected {should!r}")
        checked += not wrong
print(f"    PST: readpst extracted {checked} of {len(expected['messages'])} messages in "
      f"{len(wanted)} folders with the expected subject, sender, to, cc, body and attachment")

demo = json.loads(sys.argv[2])
demo_files = {os.path.basename(f["path"]): f["path"] for f in demo["files"]}
subject = demo["item"]["subject"]
try:
    item = [m for ms in readpst(demo_files["export.pst"]).values() for m in ms]
    whole = [m for ms in readpst(demo_files["mailbox.pst"]).values() for m in ms]
    if [str(m["subject"]) for m in item] != [subject]:
        failures.append(f"demo: export.pst holds {[str(m['subject']) for m in item]}, expected [{subject!r}]")
    if subject not in [str(m["subject"]) for m in whole] or len(whole) < 2:
        failures.append(f"demo: mailbox.pst holds {len(whole)} messages, without {subject!r}")
    print(f"    demo: readpst extracted {len(item)} message from export.pst and {len(whole)} from mailbox.pst")
except RuntimeError as error:
    failures.append(f"demo: {error}")

def pffexport(path):
    """Exports a PST with libpff's pffexport; returns {folder: [(subject, [attachment names])]}
    for the folders under the IPM subtree."""
    out = tempfile.mkdtemp(prefix="pffexport-")
    target = os.path.join(out, "pst")
    run = subprocess.run(["pffexport", "-q", "-t", target, path], capture_output=True, text=True)
    if run.returncode != 0:
        raise RuntimeError(f"pffexport failed on {path}: {run.stderr.strip() or run.stdout.strip()}")
    top = os.path.join(target + ".export", "Top of Outlook data file")
    folders = {}
    for directory, subdirs, _ in os.walk(top):
        for name in sorted(d for d in subdirs if d.startswith("Message")):
            message = os.path.join(directory, name)
            with open(os.path.join(message, "OutlookHeaders.txt"), encoding="utf-8", errors="replace") as f:
                subject = next((line.split(":", 1)[1].strip() for line in f if line.startswith("Subject:")), None)
            attachments = os.path.join(message, "Attachments")
            names = sorted(n.split("_", 1)[1] for n in os.listdir(attachments)) if os.path.isdir(attachments) else []
            folders.setdefault(os.path.relpath(directory, top), []).append((subject, names))
    return folders


expected = ready["pst"]
try:
    exported = pffexport(expected["path"])
    want = {}
    for m in expected["messages"]:
        want.setdefault(m["folder"], []).append((m["subject"], [m["attachment"]]))
    if {k: sorted(v) for k, v in exported.items()} != {k: sorted(v) for k, v in want.items()}:
        failures.append(f"PST: pffexport found {exported}, expected {want}")
    count = sum(len(v) for v in exported.values())
    print(f"    PST: libpff's pffexport exported {count} messages in {len(exported)} folders, "
          f"each with the expected subject and attachment")
except (RuntimeError, OSError) as error:
    failures.append(f"PST: {error}")

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
    found = []
    for entry in entries:
        with tempfile.TemporaryDirectory() as scratch:
            part = archive.extract(entry, scratch)
            try:
                for folder, messages in readpst(part).items():
                    found += [(folder, str(m["subject"])) for m in messages]
            except RuntimeError as error:
                failures.append(f"ZIP: {entry.filename}: {error}")
    item = (expected["item"]["folder"], expected["item"]["subject"])
    if found != [item]:
        failures.append(f"ZIP: readpst found {found} in the parts, expected only {item}")
print(f"    ZIP: Python zipfile read {len(entries)} PST parts of {sizes} bytes, CRC-32 checked; "
      f"readpst opened each part and found the item once")

for failure in failures:
    print(f"    FAILED {failure}")
sys.exit(1 if failures else 0)
