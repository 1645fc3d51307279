//! The legacy tools: `add-metric` validates its arguments and then fails as
//! Juju does outside `collect-metrics`; the payload, k8s-spec and pod-spec tools are
//! unsupported.

use super::args::{Kind, Opt, Parsed};
use super::cmd::{unsupported, Body, Fail, Io, Spec, Tool};
use super::keyvalues;
use crate::context::HookContextData;

pub(super) const TOOLS: &[Tool] = &[
    Tool {
        spec: Spec {
            name: "add-metric",
            args: "key1=value1 [key2=value2 ...]",
            purpose: "Add metrics.",
            doc: "",
            opts: &[Opt {
                names: &["l", "labels"],
                kind: Kind::Str,
                usage: "labels to be associated with metric values",
            }],
        },
        body: Body::Run(add_metric),
    },
    unsupported("payload-register", "Register a charm payload with Juju."),
    unsupported("payload-unregister", "Stop tracking a payload."),
    unsupported("payload-status-set", "Update the status of a payload."),
    unsupported("k8s-spec-set", "Set k8s spec information."),
    unsupported("k8s-spec-get", "Get k8s spec information."),
    unsupported("k8s-raw-set", "Set k8s raw spec information."),
    unsupported("k8s-raw-get", "Get k8s raw spec information."),
    unsupported("pod-spec-set", "Set k8s spec information."),
    unsupported("pod-spec-get", "Get k8s spec information."),
];

fn add_metric(p: &Parsed, _ctx: &mut HookContextData, _io: &mut Io) -> Result<(), Fail> {
    if p.args.is_empty() {
        return Err(Fail::Init("no metrics specified".to_string()));
    }
    keyvalues::parse_with(&p.args, false)
        .map_err(|e| Fail::Init(format!("invalid metrics: {e}")))?;
    let labels: Vec<String> = match p.string("l").filter(|l| !l.is_empty()) {
        Some(l) => l.split(',').map(String::from).collect(),
        None => Vec::new(),
    };
    keyvalues::parse_with(&labels, false)
        .map_err(|e| Fail::Init(format!("invalid labels: {e}")))?;
    // Metrics are only accepted in collect-metrics, which the local model never runs.
    Err(Fail::Run(
        "cannot record metric: metrics not allowed in this context".to_string(),
    ))
}
