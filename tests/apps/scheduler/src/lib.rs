//! Scheduler app: schedules jobs on slash commands and records every run
//! in its key-value data, for the server's scheduler tests.
//!
//! Commands (each answers privately, and stores its outcome too, so a test
//! reads it from the store):
//!
//! * `/sched-once <ms> <tag>`, `/sched-every <ms> <tag>`,
//!   `/sched-cron <five fields> <tag>`: schedule a job with the payload
//!   `{"tag": tag}`; store `scheduled:<tag>` = the job id, or
//!   `error:<tag>` = why the host refused;
//! * `/sched-fail <failures> <tag>`: a one-off due now whose runs fail
//!   until the attempt after `failures` (a large number: always);
//! * `/sched-cancel <tag>`: cancels the job scheduled with `tag`; stores
//!   `cancelled:<tag>` = `true` or `false`.
//!
//! Each run stores `runs:<tag>` = how many runs so far and
//! `run:<tag>:<n>` = `{"job", "name", "payload", "attempt", "at"}` (`at`:
//! milliseconds since 1970, as the app's clock reads it).

use std::time::{SystemTime, UNIX_EPOCH};

use capsule_sdk::prelude::*;
use capsule_sdk::serde_json::{Value, json};
use capsule_sdk::{kv, scheduler};

struct Scheduler;

impl App for Scheduler {
    fn execute_command(call: Invocation) -> CommandResult {
        let (Some(tag), Some(first)) = (call.args.last(), call.args.first()) else {
            return Err(format!("usage: /{} <what> <tag>", call.command));
        };
        if call.command == "sched-cancel" {
            let id = kv::get_text(&format!("scheduled:{tag}"))
                .map_err(|e| describe(&e))?
                .ok_or_else(|| format!("no job was scheduled with the tag `{tag}`"))?;
            let cancelled = scheduler::cancel(&id).map_err(|e| describe(&e))?;
            store(&format!("cancelled:{tag}"), &cancelled.to_string())?;
            return Ok(Some(format!("cancelled {id}: {cancelled}")));
        }
        let number = || {
            first
                .parse::<u64>()
                .map_err(|_| format!("`{first}` is not a number"))
        };
        let payload = json!({ "tag": tag });
        let (name, when, payload) = match call.command.as_str() {
            "sched-once" => ("once", Schedule::AfterMs(number()?), payload),
            "sched-every" => ("every", Schedule::EveryMs(number()?), payload),
            "sched-cron" => {
                let fields = &call.args[..call.args.len() - 1];
                ("cron", Schedule::Cron(fields.join(" ")), payload)
            }
            "sched-fail" => (
                "fail",
                Schedule::AfterMs(0),
                json!({ "tag": tag, "failures": number()? }),
            ),
            other => return Err(format!("no command `{other}`")),
        };
        match scheduler::schedule(name, &when, payload.to_string().as_bytes()) {
            Ok(id) => {
                store(&format!("scheduled:{tag}"), &id)?;
                Ok(Some(format!("scheduled {id}")))
            }
            Err(error) => {
                let error = describe(&error);
                store(&format!("error:{tag}"), &error)?;
                Err(error)
            }
        }
    }

    fn run_job(job: Job) -> Result<(), String> {
        let payload: Value = capsule_sdk::serde_json::from_slice(&job.payload)
            .map_err(|e| format!("the payload is not JSON: {e}"))?;
        let tag = payload["tag"].as_str().unwrap_or("untagged");
        let runs_key = format!("runs:{tag}");
        let runs = kv::get_text(&runs_key)
            .map_err(|e| describe(&e))?
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0)
            + 1;
        let at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let run = json!({
            "job": job.id,
            "name": job.name,
            "payload": String::from_utf8_lossy(&job.payload),
            "attempt": job.attempt,
            "at": at,
        });
        kv::set_json(&format!("run:{tag}:{runs}"), &run).map_err(|e| describe(&e))?;
        store(&runs_key, &runs.to_string())?;
        let failures = payload["failures"].as_u64().unwrap_or(0);
        if u64::from(job.attempt) <= failures {
            return Err(format!(
                "failing on purpose (attempt {} of {failures} failures)",
                job.attempt
            ));
        }
        Ok(())
    }
}

fn store(key: &str, value: &str) -> Result<(), String> {
    kv::set_text(key, value).map_err(|e| describe(&e))
}

capsule_sdk::export_app!(Scheduler);
