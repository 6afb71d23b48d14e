//! TAP's asynchronous queries (`/tap/async`) as IVOA UWS 1.1 jobs: a job is created PENDING
//! with its parameters, run on `PHASE=RUN` (or at once when created with it), and keeps its
//! result or error for [`LIFETIME`]. Jobs live in the server's memory: behind a load balancer,
//! send a client's requests to one instance (or use `/tap/sync`).

use super::server::{Service, execute};
use crate::site::format::mjd_iso;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use xcat_web::axum::http::StatusCode;

/// How long a job and its result are kept.
pub const LIFETIME: Duration = Duration::from_secs(3600);
/// The most jobs kept at once (the oldest finished ones go first).
pub const MAX_JOBS: usize = 256;
/// Execution duration announced for every job, seconds (the server's request timeout).
pub const EXECUTION_SECONDS: u64 = 60;

/// A job's phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Created, not started.
    Pending,
    /// Running.
    Executing,
    /// Finished with a result.
    Completed,
    /// Finished with an error.
    Error,
    /// Stopped by its owner.
    Aborted,
}

impl Phase {
    /// The UWS name.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Pending => "PENDING",
            Phase::Executing => "EXECUTING",
            Phase::Completed => "COMPLETED",
            Phase::Error => "ERROR",
            Phase::Aborted => "ABORTED",
        }
    }
}

/// One job.
#[derive(Debug, Clone)]
pub struct Job {
    /// Parameters, names upper-cased.
    pub params: Vec<(String, String)>,
    /// Phase.
    pub phase: Phase,
    /// When it was made, started and ended.
    pub created: SystemTime,
    /// Start of the run.
    pub started: Option<SystemTime>,
    /// End of the run.
    pub ended: Option<SystemTime>,
    /// The result: media type and bytes.
    pub result: Option<(&'static str, String)>,
    /// The error message.
    pub error: Option<String>,
}

/// The jobs, by identifier.
#[derive(Debug, Default)]
pub struct Jobs {
    next: u64,
    jobs: BTreeMap<String, Job>,
}

/// ISO 8601 UTC time.
pub fn iso(t: SystemTime) -> String {
    let secs = t
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs() as f64);
    format!("{}Z", mjd_iso(Some(40_587.0 + secs / 86_400.0)))
}

impl Jobs {
    /// Makes a PENDING job; returns its identifier.
    pub fn create(&mut self, params: Vec<(String, String)>) -> String {
        let now = SystemTime::now();
        // Forget expired jobs, then the oldest beyond the limit.
        self.jobs
            .retain(|_, j| now.duration_since(j.created).unwrap_or_default() < LIFETIME);
        while self.jobs.len() >= MAX_JOBS {
            let oldest = self
                .jobs
                .iter()
                .min_by_key(|(_, j)| (j.phase == Phase::Executing, j.created))
                .map(|(k, _)| k.clone())
                .expect("not empty");
            self.jobs.remove(&oldest);
        }
        self.next += 1;
        let id = format!(
            "j{}{:x}",
            self.next,
            now.duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos())
        );
        self.jobs.insert(
            id.clone(),
            Job {
                params,
                phase: Phase::Pending,
                created: now,
                started: None,
                ended: None,
                result: None,
                error: None,
            },
        );
        id
    }

    /// A job.
    pub fn get(&self, id: &str) -> Option<&Job> {
        self.jobs.get(id)
    }

    /// A job, to change.
    pub fn get_mut(&mut self, id: &str) -> Option<&mut Job> {
        self.jobs.get_mut(id)
    }

    /// Deletes a job.
    pub fn delete(&mut self, id: &str) -> bool {
        self.jobs.remove(id).is_some()
    }

    /// Identifiers and phases of every job.
    pub fn list(&self) -> Vec<(String, Phase)> {
        self.jobs
            .iter()
            .map(|(k, j)| (k.clone(), j.phase))
            .collect()
    }
}

/// Starts job `id` if it is PENDING; its run goes on in the background.
pub fn run(service: &Arc<Service>, id: &str) {
    let params = {
        let mut jobs = service.jobs.lock().expect("jobs lock");
        let Some(job) = jobs.get_mut(id) else { return };
        if job.phase != Phase::Pending {
            return;
        }
        job.phase = Phase::Executing;
        job.started = Some(SystemTime::now());
        job.params.clone()
    };
    let s = service.clone();
    let id = id.to_string();
    xcat_web::tokio::spawn(async move {
        let outcome = execute(s.clone(), params).await;
        let mut jobs = s.jobs.lock().expect("jobs lock");
        if let Some(job) = jobs.get_mut(&id) {
            if job.phase != Phase::Executing {
                return; // aborted meanwhile
            }
            job.ended = Some(SystemTime::now());
            match outcome {
                Ok(r) => {
                    job.phase = Phase::Completed;
                    job.result = Some(r);
                }
                Err((_, message)) => {
                    job.phase = Phase::Error;
                    job.error = Some(message);
                }
            }
        }
    });
}

/// Escapes XML text.
fn esc(s: &str) -> String {
    crate::site::format::xml_escape(s)
}

/// The UWS job document of `id`.
pub fn job_xml(base: &str, id: &str, j: &Job) -> String {
    let t = |x: Option<SystemTime>, tag: &str| match x {
        Some(x) => format!("<uws:{tag}>{}</uws:{tag}>", iso(x)),
        None => format!("<uws:{tag} xsi:nil=\"true\"/>"),
    };
    let mut o = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<uws:job xmlns:uws=\"http://www.ivoa.net/xml/UWS/v1.0\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" version=\"1.1\">\n",
    );
    o.push_str(&format!("<uws:jobId>{}</uws:jobId>\n", esc(id)));
    o.push_str("<uws:ownerId xsi:nil=\"true\"/>\n");
    o.push_str(&format!("<uws:phase>{}</uws:phase>\n", j.phase.name()));
    o.push_str(&format!(
        "<uws:creationTime>{}</uws:creationTime>\n",
        iso(j.created)
    ));
    o.push_str(&t(j.started, "startTime"));
    o.push_str(&t(j.ended, "endTime"));
    o.push_str(&format!(
        "\n<uws:executionDuration>{EXECUTION_SECONDS}</uws:executionDuration>\n<uws:destruction>{}</uws:destruction>\n<uws:parameters>\n",
        iso(j.created + LIFETIME)
    ));
    for (k, v) in &j.params {
        o.push_str(&format!(
            "<uws:parameter id=\"{}\">{}</uws:parameter>\n",
            esc(k),
            esc(v)
        ));
    }
    o.push_str("</uws:parameters>\n<uws:results>\n");
    if j.result.is_some() {
        o.push_str(&format!(
            "<uws:result id=\"result\" xlink:type=\"simple\" xlink:href=\"{}\"/>\n",
            esc(&format!("{base}/tap/async/{id}/results/result"))
        ));
    }
    o.push_str("</uws:results>\n");
    if let Some(e) = &j.error {
        o.push_str(&format!(
            "<uws:errorSummary type=\"fatal\" hasDetail=\"true\"><uws:message>{}</uws:message></uws:errorSummary>\n",
            esc(e)
        ));
    }
    o.push_str("</uws:job>\n");
    o
}

/// The UWS job list.
pub fn list_xml(base: &str, jobs: &[(String, Phase)]) -> String {
    let mut o = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<uws:jobs xmlns:uws=\"http://www.ivoa.net/xml/UWS/v1.0\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" version=\"1.1\">\n",
    );
    for (id, phase) in jobs {
        o.push_str(&format!(
            "<uws:jobref id=\"{}\" xlink:type=\"simple\" xlink:href=\"{}\"><uws:phase>{}</uws:phase></uws:jobref>\n",
            esc(id),
            esc(&format!("{base}/tap/async/{id}")),
            phase.name()
        ));
    }
    o.push_str("</uws:jobs>\n");
    o
}

/// The status to answer when a job does not exist.
pub const NO_JOB: StatusCode = StatusCode::NOT_FOUND;

/// The jobs of a service.
pub type SharedJobs = Mutex<Jobs>;
