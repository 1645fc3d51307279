//! rabbitmq-server: the charm's own layer. Everything the charm does is layer:rabbitmq's
//! (crate `layer-rabbitmq`); this crate wires the charm's actions to it.

use charms_reactive::prelude::*;
use layer_rabbitmq::actions;

#[action("cluster-status")]
fn cluster_status() -> Result<()> {
    actions::cluster_status()
}

#[action("check-queues")]
fn check_queues() -> Result<()> {
    actions::check_queues()
}

#[action("forget-cluster-node")]
fn forget_cluster_node() -> Result<()> {
    actions::forget_cluster_node()
}
