//! `vbo bulk`: the ids file and the action are checked in full before login (a repeated id
//! would run its action twice); then the items run, and every item gets a line in the report,
//! also when a signal stops the run, so that a rerun can skip what already ran.

use std::cell::RefCell;
use std::io::Read as _;
use std::path::Path;

use futures_util::StreamExt as _;
use serde_json::{Value, json};
use vbo365::{ActionKind, BulkOptions, BulkOutcome, Destination, Error, ItemIds};

use super::action::{self, kind_name, statistics_text};
use super::args::BulkArgs;
use super::failure::{self, Failure, code};
use super::output::human_bytes;
use super::progress;
use super::run::Ctx;
use super::signal;

/// A bulk run ready to start.
pub struct Plan<'a> {
    args: &'a BulkArgs,
    ids: Vec<String>,
    prepared: action::Prepared,
}

/// Reads the ids and builds the action, before anything is sent.
pub fn prepare(args: &BulkArgs, password_stdin: bool) -> Result<Plan<'_>, Failure> {
    let ids = read_ids(&args.ids, password_stdin)?;
    let prepared = action::prepare(&args.action, &args.mailbox, true)?;
    Ok(Plan {
        args,
        ids,
        prepared,
    })
}

/// One id per line, `#` comments and blank lines skipped; refused when empty or when an id
/// repeats, naming each repeated id with its line numbers.
fn read_ids(path: &Path, password_stdin: bool) -> Result<Vec<String>, Failure> {
    let text = if path == Path::new("-") {
        if password_stdin {
            return Err(Failure::usage(
                "--ids - and --password-stdin both want standard input; use one",
            ));
        }
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map_err(|e| {
            Failure::usage(format!("invalid `--ids`: cannot read standard input: {e}"))
        })?;
        text
    } else {
        std::fs::read_to_string(path).map_err(|e| {
            Failure::usage(format!(
                "invalid `--ids`: cannot read {}: {e}",
                path.display()
            ))
        })?
    };
    let mut ids: Vec<(String, Vec<usize>)> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for (number, line) in text.lines().enumerate() {
        let id = line.trim();
        if id.is_empty() || id.starts_with('#') {
            continue;
        }
        // The same rule as `vbo item`: one path segment within the spec's bounds.
        vbo365::check::item_id("itemId", id).map_err(|e| {
            let rule = e.rule().map_or_else(|| e.to_string(), str::to_string);
            Failure::usage(format!(
                "invalid `--ids`: line {} of {}: the item id {rule}",
                number + 1,
                path.display()
            ))
            .with_hint("nothing was sent")
        })?;
        let at = *index.entry(id.to_string()).or_insert_with(|| {
            ids.push((id.to_string(), Vec::new()));
            ids.len() - 1
        });
        ids[at].1.push(number + 1);
    }
    if ids.is_empty() {
        return Err(Failure::usage(format!(
            "invalid `--ids`: no item ids in {}",
            path.display()
        ))
        .with_hint("put one item id per line (`vbo item list` shows them)"));
    }
    let repeated: Vec<String> = ids
        .iter()
        .filter(|(_, lines)| lines.len() > 1)
        .map(|(id, lines)| format!("`{id}` on lines {}", list(lines)))
        .collect();
    if !repeated.is_empty() {
        return Err(Failure::usage(format!(
            "invalid `--ids`: {} repeats item ids, which would run the action twice: {}",
            path.display(),
            repeated.join("; ")
        ))
        .with_hint("list each item once; nothing was sent"));
    }
    Ok(ids.into_iter().map(|(id, _)| id).collect())
}

/// `1 and 4`, `1, 4 and 6`.
fn list(numbers: &[usize]) -> String {
    let text: Vec<String> = numbers.iter().map(ToString::to_string).collect();
    match text.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => text.join(""),
    }
}

/// Where one item stands.
enum Slot {
    NotStarted,
    Running,
    Done(Report),
}

/// One item's line in the table and entry in the JSON.
struct Report {
    row: Vec<String>,
    entry: Value,
    /// The exit code the item's failure deserves; `None` on success.
    failed: Option<u8>,
}

impl Report {
    /// This line for item `id`, one of the `count` items of one request.
    fn for_item(&self, id: &str, count: usize) -> Self {
        let mut row = self.row.clone();
        row[0] = id.to_string();
        if let Some(detail) = row.last_mut() {
            let note = format!("one request for all {count} items");
            *detail = if detail.is_empty() {
                note
            } else {
                format!("{detail}; {note}")
            };
        }
        let mut entry = self.entry.clone();
        entry["item"] = json!(id);
        entry["items_in_request"] = json!(count);
        Self {
            row,
            entry,
            failed: self.failed,
        }
    }
}

/// Whether `vbo bulk` sends `kind` on all items in one multi-item request: the export (one
/// PST of every item, as v4-era clients use it) and the restores (one restore), unless
/// `--per-item`. The sends and the save stay per item: together they would become one message
/// with every item attached, and one ZIP of MSGs, not what `bulk` promises.
fn in_one_request(kind: ActionKind, per_item: bool) -> bool {
    !per_item
        && matches!(
            kind,
            ActionKind::ExportToPst | ActionKind::RestoreToOriginalLocation | ActionKind::RestoreTo
        )
}

/// Runs the items and prints the report: all in one multi-item request where
/// [`in_one_request`], else one `perform_bulk` call per item (not one call for all) to know
/// which items started, for the report after a signal.
pub async fn run(ctx: &Ctx, plan: Plan<'_>) -> Result<(), Failure> {
    let Plan {
        args,
        ids,
        prepared,
    } = plan;
    let options = BulkOptions {
        concurrency: 1,
        directory: match &prepared.destination {
            Some(Destination::Directory(dir)) => Some(dir.clone()),
            _ => None,
        },
    };
    let slots = RefCell::new(ids.iter().map(|_| Slot::NotStarted).collect::<Vec<_>>());
    let bar = progress::items(!ctx.out.quiet, ids.len());
    let together = in_one_request(prepared.action.kind(), args.per_item);
    let all_at_once = async {
        let items = ItemIds::new(ids.iter().cloned())?;
        slots
            .borrow_mut()
            .iter_mut()
            .for_each(|slot| *slot = Slot::Running);
        let result = ctx
            .client
            .perform_bulk_at_once(
                args.mailbox.session,
                args.mailbox.mailbox_id,
                &items,
                &prepared.action,
                &options,
            )
            .await;
        // One answer for every item: each gets the same line, with its own id.
        let shared = report(ctx, &prepared, &ids[0], result);
        let mut slots = slots.borrow_mut();
        for (slot, id) in slots.iter_mut().zip(&ids) {
            *slot = Slot::Done(shared.for_item(id, ids.len()));
        }
        if let Some(bar) = &bar {
            bar.inc(ids.len() as u64);
        }
        Ok(())
    };
    let per_item = futures_util::stream::iter(ids.iter().enumerate())
        .map(|(index, id)| {
            let (slots, options, prepared, bar) = (&slots, &options, &prepared, &bar);
            async move {
                slots.borrow_mut()[index] = Slot::Running;
                let result = ctx
                    .client
                    .perform_bulk(
                        args.mailbox.session,
                        args.mailbox.mailbox_id,
                        vec![id.clone()],
                        &prepared.action,
                        options,
                        |_| {},
                    )
                    .await;
                let done = match result.map(|mut items| items.pop()) {
                    Ok(Some(item)) => report(ctx, prepared, id, item.result),
                    Ok(None) => Report {
                        row: vec![id.clone(), "FAILED".into(), "no result".into()],
                        entry: json!({ "item": id, "ok": false, "result": "failed", "error": "no result", "exit_code": code::FAILED }),
                        failed: Some(code::FAILED),
                    },
                    Err(error) => report(ctx, prepared, id, Err(error)),
                };
                slots.borrow_mut()[index] = Slot::Done(done);
                if let Some(bar) = bar {
                    bar.inc(1);
                }
            }
        })
        .buffer_unordered(usize::from(args.concurrency))
        .collect::<()>();
    let work = async {
        if together {
            all_at_once.await
        } else {
            per_item.await;
            Ok(())
        }
    };
    let stopped = tokio::select! {
        done = work => {
            // The ids were checked before login with the same rules: this cannot fail.
            done.map_err(|e| ctx.fail(&e, prepared.doing))?;
            None
        }
        signal = signal::wait() => Some(signal),
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let slots = slots.into_inner();
    let changes = prepared.check.is_some();
    let mut rows = Vec::new();
    let mut items = Vec::new();
    let (mut succeeded, mut failed, mut in_flight, mut not_started, mut worst) = (0, 0, 0, 0, 0);
    for (id, slot) in ids.iter().zip(slots) {
        match slot {
            Slot::Done(report) => {
                match report.failed {
                    Some(code) => {
                        failed += 1;
                        worst = code::worst(worst, code);
                    }
                    None => succeeded += 1,
                }
                rows.push(report.row);
                items.push(report.entry);
            }
            Slot::Running => {
                in_flight += 1;
                let detail = if changes {
                    "stopped while in flight: may have run, state unknown"
                } else {
                    "stopped while in flight: nothing saved"
                };
                rows.push(vec![id.clone(), "INTERRUPTED".into(), detail.into()]);
                items.push(json!({ "item": id, "ok": false, "result": "interrupted", "may_have_run": changes }));
            }
            Slot::NotStarted => {
                not_started += 1;
                rows.push(vec![id.clone(), "NOT STARTED".into(), String::new()]);
                items.push(json!({ "item": id, "ok": false, "result": "not_started" }));
            }
        }
    }
    let mut summary = json!({ "succeeded": succeeded, "failed": failed, "items": items });
    if stopped.is_some() {
        summary["interrupted"] = json!(true);
        summary["not_started"] = json!(not_started);
    }
    ctx.out
        .show(&summary, &["ITEM", "RESULT", "DETAIL"], rows)?;
    ctx.out
        .note(&format!("{succeeded} succeeded, {failed} failed"));
    if let Some(signal) = stopped {
        let mut hint = format!(
            "the report lists every item; {not_started} did not start: rerun with those ids"
        );
        if in_flight > 0 {
            match &prepared.check {
                Some(check) => hint.push_str(&format!(
                    "; {in_flight} were in flight and may have run: {check} before running them again"
                )),
                None => hint.push_str(&format!("; {in_flight} in flight left no file")),
            }
        }
        return Err(Failure {
            message: format!(
                "{}: {} of {} items finished",
                signal.describe(),
                succeeded + failed,
                ids.len()
            ),
            hint: Some(hint),
            code: signal.exit_code(),
        });
    }
    if failed > 0 {
        let mut hint = "the table above shows each item's error".to_string();
        if worst == code::STATE_UNKNOWN
            && let Some(check) = &prepared.check
        {
            hint.push_str(&format!(
                "; the items marked `may have run`: {check} before running them again"
            ));
        }
        return Err(Failure {
            message: format!("{failed} of {} items failed", ids.len()),
            hint: Some(hint),
            code: code::worst(worst, code::REJECTED),
        });
    }
    Ok(())
}

fn report(
    ctx: &Ctx,
    prepared: &action::Prepared,
    id: &str,
    result: Result<BulkOutcome, Error>,
) -> Report {
    match result {
        Ok(BulkOutcome::Restored(restored)) if !restored.is_complete() => {
            let stats = action::statistics_json(&restored);
            let text = format!(
                "{} item(s) could not be restored: {}",
                restored.failed_items(),
                statistics_text(&restored)
            );
            Report {
                row: vec![id.to_string(), "INCOMPLETE".into(), text.clone()],
                entry: json!({ "item": id, "ok": false, "result": "incomplete", "statistics": stats, "error": text, "exit_code": code::INCOMPLETE, "may_have_run": false }),
                failed: Some(code::INCOMPLETE),
            }
        }
        Ok(outcome) => {
            let (result, detail, extra) = match outcome {
                BulkOutcome::Saved(file) => (
                    "saved",
                    format!("{} ({})", file.path.display(), human_bytes(file.bytes)),
                    json!({ "file": { "path": file.path, "kind": kind_name(file.kind), "bytes": file.bytes } }),
                ),
                BulkOutcome::Restored(restored) => (
                    "restored",
                    statistics_text(&restored),
                    json!({ "statistics": action::statistics_json(&restored) }),
                ),
                BulkOutcome::Sent(_) => ("sent", String::new(), json!({})),
            };
            let mut entry = json!({ "item": id, "ok": true, "result": result });
            if let (Some(entry), Some(extra)) = (entry.as_object_mut(), extra.as_object()) {
                entry.extend(extra.clone());
            }
            Report {
                row: vec![id.to_string(), result.to_string(), detail],
                entry,
                failed: None,
            }
        }
        Err(error) => {
            let unknown = prepared.check.is_some() && failure::state_unknown(&error);
            let code = if unknown {
                code::STATE_UNKNOWN
            } else {
                ctx.fail(&error, prepared.doing).code
            };
            let text = if unknown {
                format!("{} (may have run)", error.report())
            } else {
                error.report().to_string()
            };
            Report {
                row: vec![id.to_string(), "FAILED".into(), text.clone()],
                entry: json!({ "item": id, "ok": false, "result": "failed", "error": text, "exit_code": code, "may_have_run": unknown }),
                failed: Some(code),
            }
        }
    }
}
