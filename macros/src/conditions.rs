//! Parsing of the stacked reactive attributes of one handler into conditions.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Attribute, LitStr, Token};

use crate::validate;

/// Every attribute this crate defines for handlers.
pub const HANDLER_ATTRS: &[&str] = &[
    "when",
    "when_all",
    "when_any",
    "when_not",
    "when_none",
    "when_not_all",
    "hook",
    "when_file_changed",
    "only_once",
    "action",
    "collect_metrics",
    "meter_status_changed",
];

/// One parsed attribute.
pub struct Condition {
    pub kind: Kind,
    pub span: Span,
    pub args: Vec<LitStr>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    WhenAll,
    WhenAny,
    WhenNone,
    WhenNotAll,
    Hook,
    FileChanged,
    OnlyOnce,
    Action,
    Restricted(&'static str),
}

impl Kind {
    fn from_name(name: &str) -> Option<Kind> {
        Some(match name {
            "when" | "when_all" => Kind::WhenAll,
            "when_any" => Kind::WhenAny,
            "when_not" | "when_none" => Kind::WhenNone,
            "when_not_all" => Kind::WhenNotAll,
            "hook" => Kind::Hook,
            "when_file_changed" => Kind::FileChanged,
            "only_once" => Kind::OnlyOnce,
            "action" => Kind::Action,
            "collect_metrics" => Kind::Restricted("collect-metrics"),
            "meter_status_changed" => Kind::Restricted("meter-status-changed"),
            _ => return None,
        })
    }

    fn is_flag_condition(self) -> bool {
        matches!(
            self,
            Kind::WhenAll | Kind::WhenAny | Kind::WhenNone | Kind::WhenNotAll
        )
    }
}

/// The reactive attribute name of `attr`, if it is one of ours (by its last path segment,
/// so both `#[when]` and `#[charms_reactive::when]` count).
pub fn reactive_name(attr: &Attribute) -> Option<String> {
    let last = attr.path().segments.last()?.ident.to_string();
    HANDLER_ATTRS.contains(&last.as_str()).then_some(last)
}

/// Parses one attribute's arguments.
pub fn parse(name: &str, span: Span, args: TokenStream) -> syn::Result<Condition> {
    let kind = Kind::from_name(name)
        .ok_or_else(|| syn::Error::new(span, format!("unknown reactive attribute {name}")))?;
    let lits: Vec<LitStr> = Punctuated::<LitStr, Token![,]>::parse_terminated
        .parse2(args)?
        .into_iter()
        .collect();
    for lit in &lits {
        let value = lit.value();
        let checked = match kind {
            Kind::Hook => validate::hook_pattern(&value),
            Kind::Action => validate::action_name(&value),
            Kind::FileChanged if value.is_empty() => Err("empty file name".to_string()),
            Kind::FileChanged => Ok(()),
            _ => validate::flag(&value),
        };
        checked.map_err(|msg| syn::Error::new(lit.span(), msg))?;
    }
    let takes_no_args = matches!(kind, Kind::OnlyOnce | Kind::Restricted(_));
    if takes_no_args && !lits.is_empty() {
        return Err(syn::Error::new(
            span,
            format!("#[{name}] takes no arguments"),
        ));
    }
    let needs_args = matches!(kind, Kind::Hook | Kind::Action | Kind::FileChanged);
    if needs_args && lits.is_empty() {
        return Err(syn::Error::new(
            span,
            format!("#[{name}] needs at least one argument"),
        ));
    }
    Ok(Condition {
        kind,
        span,
        args: lits,
    })
}

/// Rejects combinations that could never run or make no sense together.
pub fn check_combination(conds: &[Condition]) -> syn::Result<()> {
    let find = |pred: &dyn Fn(Kind) -> bool| conds.iter().find(|c| pred(c.kind));
    let flag_cond = find(&|k| k.is_flag_condition());
    let hook = find(&|k| k == Kind::Hook);
    let action = find(&|k| k == Kind::Action);
    let restricted = find(&|k| matches!(k, Kind::Restricted(_)));
    if let (Some(h), Some(_)) = (hook, flag_cond) {
        return Err(syn::Error::new(
            h.span,
            "#[hook] cannot be stacked with #[when*]: hook handlers run in the hooks phase and \
             flag handlers after it, so this handler could never run",
        ));
    }
    if let (Some(h), Some(_)) = (hook, action) {
        return Err(syn::Error::new(
            h.span,
            "#[hook] cannot be stacked with #[action]",
        ));
    }
    if let Some(r) = restricted {
        if hook.is_some() || action.is_some() || flag_cond.is_some() {
            return Err(syn::Error::new(
                r.span,
                "restricted-hook handlers (#[collect_metrics], #[meter_status_changed]) run \
                 in a single pass with no flags phase; they cannot be stacked with #[hook], \
                 #[action] or #[when*]",
            ));
        }
    }
    let kinds_once = [Kind::OnlyOnce, Kind::Action];
    for kind in kinds_once {
        let mut same = conds.iter().filter(|c| c.kind == kind);
        if let (Some(_), Some(second)) = (same.next(), same.next()) {
            return Err(syn::Error::new(
                second.span,
                "this attribute is given twice",
            ));
        }
    }
    let restricted_count = conds
        .iter()
        .filter(|c| matches!(c.kind, Kind::Restricted(_)))
        .count();
    if restricted_count > 1 {
        return Err(syn::Error::new(
            conds[0].span,
            "only one restricted-hook attribute allowed",
        ));
    }
    Ok(())
}

/// The runtime `Condition` expression for one parsed attribute.
pub fn to_tokens(cond: &Condition) -> TokenStream {
    let args = &cond.args;
    let list = quote!(&[#(#args),*]);
    let variant = match cond.kind {
        Kind::WhenAll => quote!(WhenAll(#list)),
        Kind::WhenAny => quote!(WhenAny(#list)),
        Kind::WhenNone => quote!(WhenNone(#list)),
        Kind::WhenNotAll => quote!(WhenNotAll(#list)),
        Kind::Hook => quote!(Hook(#list)),
        Kind::FileChanged => quote!(FileChanged(#list)),
        Kind::Action => quote!(Action(#list)),
        Kind::OnlyOnce => quote!(OnlyOnce),
        Kind::Restricted(hook) => quote!(Restricted(#hook)),
    };
    quote_spanned!(cond.span=> ::charms_reactive::__private::Condition::#variant)
}

#[cfg(test)]
mod tests {
    use super::Kind;

    /// The restricted attributes name exactly the hooks Juju runs in restricted mode.
    #[test]
    fn restricted_attributes_name_restricted_hooks() {
        let mut named: Vec<&str> = ["collect_metrics", "meter_status_changed"]
            .iter()
            .filter_map(|a| match Kind::from_name(a) {
                Some(Kind::Restricted(hook)) => Some(hook),
                _ => None,
            })
            .collect();
        named.sort_unstable();
        let mut restricted = charms_reactive_juju::hooks::RESTRICTED_HOOKS.to_vec();
        restricted.sort_unstable();
        assert_eq!(named, restricted);
    }
}
