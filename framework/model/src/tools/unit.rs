//! `unit-get` and `network-get`.
//!
//! The local model gives each unit one address on one interface: `network-get`
//! reports interface `eth0` with an empty MAC address, the address with an empty
//! hostname and CIDR `<address>/24`, ingress `<address>` and egress `<address>/32`.

use super::args::{Kind, Opt, Parsed};
use super::cmd::{check_empty, Body, Fail, Io, Spec, Tool};
use super::node::Node;
use super::output::{Output, FORMAT, OUTPUT};
use super::relation::RELATION;
use crate::context::HookContextData;
use crate::gostr;

const INTERFACE_NAME: &str = "eth0";

const fn selector(name: &'static [&'static str], usage: &'static str) -> Opt {
    Opt {
        names: name,
        kind: Kind::Bool,
        usage,
    }
}

pub(super) const TOOLS: &[Tool] = &[
    Tool {
        spec: Spec {
            name: "unit-get",
            args: "<setting>",
            purpose: "Print public-address or private-address.",
            doc: "",
            opts: &[FORMAT, OUTPUT],
        },
        body: Body::Run(unit_get),
    },
    Tool {
        spec: Spec {
            name: "network-get",
            args: "<binding-name> [--ingress-address] [--bind-address] [--egress-subnets]",
            purpose: "get network config",
            doc: "network-get returns the network config for a given binding name. By default\n\
                  it returns the list of interfaces and associated addresses in the space for\n\
                  the binding, as well as the ingress address for the binding. If defined, any\n\
                  egress subnets are also returned.\n\
                  If one of the following flags are specified, just that value is returned.\n\
                  If more than one flag is specified, a map of values is returned.",
            opts: &[
                FORMAT,
                OUTPUT,
                selector(
                    &["primary-address"],
                    "(deprecated) get the primary address for the binding",
                ),
                selector(
                    &["bind-address"],
                    "get the address for the binding on which the unit should listen",
                ),
                selector(
                    &["ingress-address"],
                    "get the ingress address for the binding",
                ),
                selector(
                    &["egress-subnets"],
                    "get the egress subnets for the binding",
                ),
                RELATION,
            ],
        },
        body: Body::Run(network_get),
    },
];

fn unit_get(p: &Parsed, ctx: &mut HookContextData, io: &mut Io) -> Result<(), Fail> {
    let out = Output::new(p, "smart");
    let Some(setting) = p.args.first() else {
        return Err(Fail::Init("no setting specified".to_string()));
    };
    let value = match setting.as_str() {
        // Juju prefers a resolved hostname; the local model has none.
        "private-address" => ctx.address.clone(),
        "public-address" => ctx.public_address.clone(),
        other => {
            return Err(Fail::Init(format!(
                "unknown setting {}",
                gostr::quote(other)
            )))
        }
    };
    check_empty(&p.args[1..])?;
    out.write(io, &Node::Str(value))
}

fn network_get(p: &Parsed, ctx: &mut HookContextData, io: &mut Io) -> Result<(), Fail> {
    let out = Output::new(p, "smart");
    let Some(binding) = p.args.first() else {
        return Err(Fail::Init("no arguments specified".to_string()));
    };
    if binding.is_empty() {
        return Err(Fail::Init("no binding name specified".to_string()));
    }
    let (bind, ingress, egress) = (
        p.flag("bind-address"),
        p.flag("ingress-address"),
        p.flag("egress-subnets"),
    );
    check_empty(&p.args[1..])?;

    if !ctx.bindings.contains(binding) {
        return Err(Fail::Run(format!(
            "no network config found for binding {}",
            gostr::quote(binding)
        )));
    }
    let address = ctx.address.clone();
    let no_address = || {
        Fail::Run(format!(
            "no addresses attached to space for binding {}",
            gostr::quote(binding)
        ))
    };
    let egress_subnets: Vec<String> = if address.is_empty() {
        vec![]
    } else {
        vec![format!("{address}/32")]
    };
    let primary = p.flag("primary-address");
    if !(primary || bind || ingress || egress) {
        return out.write(io, &display(&address, out.is_json()));
    }
    if primary {
        if bind || ingress || egress {
            return Err(Fail::Run(
                "--primary-address must be the only flag specified".to_string(),
            ));
        }
        if address.is_empty() {
            return Err(no_address());
        }
        return out.write(io, &Node::Str(address));
    }
    let mut values: Vec<(String, Node)> = Vec::new();
    if egress {
        values.push(("egress-subnets".to_string(), Node::Strings(egress_subnets)));
    }
    if ingress || bind {
        if address.is_empty() {
            return Err(no_address());
        }
        if ingress {
            values.push(("ingress-address".to_string(), Node::Str(address.clone())));
        }
        if bind {
            values.push(("bind-address".to_string(), Node::Str(address.clone())));
        }
    }
    if values.len() == 1 {
        let (_, only) = values.remove(0);
        return out.write(io, &only);
    }
    out.write(io, &Node::Map(values))
}

/// `networkInfoResultDisplay`: YAML also carries the legacy `macaddress`,
/// `interfacename` and `address` keys; empty lists are omitted.
fn display(address: &str, json: bool) -> Node {
    let mut addresses = Vec::new();
    if !address.is_empty() {
        let mut fields = vec![
            ("hostname".to_string(), Node::Str(String::new())),
            ("value".to_string(), Node::Str(address.to_string())),
            ("cidr".to_string(), Node::Str(format!("{address}/24"))),
        ];
        if !json {
            fields.push(("address".to_string(), Node::Str(address.to_string())));
        }
        addresses.push(Node::Struct(fields));
    }
    let mut interface = vec![
        ("mac-address".to_string(), Node::Str(String::new())),
        (
            "interface-name".to_string(),
            Node::Str(INTERFACE_NAME.to_string()),
        ),
        ("addresses".to_string(), Node::List(addresses)),
    ];
    if !json {
        interface.push(("macaddress".to_string(), Node::Str(String::new())));
        interface.push((
            "interfacename".to_string(),
            Node::Str(INTERFACE_NAME.to_string()),
        ));
    }
    let mut fields = vec![(
        "bind-addresses".to_string(),
        Node::List(vec![Node::Struct(interface)]),
    )];
    if !address.is_empty() {
        fields.push((
            "egress-subnets".to_string(),
            Node::Strings(vec![format!("{address}/32")]),
        ));
        fields.push((
            "ingress-addresses".to_string(),
            Node::Strings(vec![address.to_string()]),
        ));
    }
    Node::Struct(fields)
}
