//! What a handler's body does with flags, read from its tokens for `--describe`.
//!
//! A token scan, not type checking: a call `set_flag(X)`, `set_flag_value(X, …)`,
//! `clear_flag(X)`, `toggle_flag(X, …)` (sets and clears), `is_flag_set(X)`,
//! `get_flag_value(X)`, `any_flags_set(X, …)` / `all_flags_set(X, …)` (reads) is recorded
//! when `X` is a string literal or a constant's path (`INSTALLED`, `flags::READY`: a last
//! segment in SCREAMING_CASE); a computed name (`&format!(…)`) is not, and the layer that
//! computes it declares it instead (`charms_reactive::declare_flags!`). Inside
//! `register_trigger(…)` the trigger's `when` / `when_not` flag and the flags it sets
//! and clears are recorded as a trigger. Every other call `path::name(…)` is recorded
//! with its first argument (when literal or constant), so a layer function declared as
//! setting flags on the caller's behalf is matched to the handler that calls it.

use proc_macro2::{Delimiter, Group, TokenStream, TokenTree};
use quote::quote;

/// One flag name as found: a literal, or a constant's path.
#[derive(Clone)]
pub enum Name {
    Lit(String),
    Const(TokenStream),
}

/// A call to a function that is not a flag function.
pub struct Call {
    pub path: String,
    pub arg: Option<Name>,
}

/// A `register_trigger(Trigger::when(X).set_flag(Y)…)`.
#[derive(Default)]
pub struct Trigger {
    pub when: Option<Name>,
    pub when_not: bool,
    pub sets: Vec<Name>,
    pub clears: Vec<Name>,
}

/// What one body does.
#[derive(Default)]
pub struct Body {
    pub sets: Vec<Name>,
    pub clears: Vec<Name>,
    pub reads: Vec<Name>,
    pub calls: Vec<Call>,
    pub triggers: Vec<Trigger>,
}

/// Words that look like calls but are not functions.
const NOT_CALLS: &[&str] = &[
    "if", "while", "match", "for", "return", "in", "loop", "move", "fn", "let", "as", "else",
];

pub fn body(tokens: TokenStream) -> Body {
    let mut locals = Vec::new();
    collect_locals(tokens.clone(), &mut locals);
    let mut out = Body::default();
    walk(tokens, &mut out);
    // A constant declared or imported inside the body is out of scope where the
    // registration is emitted: it is not recorded (naming it there would not compile).
    let outside = |n: &Name| match n {
        Name::Lit(_) => true,
        Name::Const(path) => match path.clone().into_iter().next() {
            Some(TokenTree::Ident(first)) => !locals.contains(&first.to_string()),
            _ => false,
        },
    };
    out.sets.retain(outside);
    out.clears.retain(outside);
    out.reads.retain(outside);
    for call in &mut out.calls {
        if call.arg.as_ref().is_some_and(|a| !outside(a)) {
            call.arg = None;
        }
    }
    for t in &mut out.triggers {
        if t.when.as_ref().is_some_and(|w| !outside(w)) {
            t.when = None;
        }
        t.sets.retain(outside);
        t.clears.retain(outside);
    }
    out
}

/// Names a body declares or imports for itself: `const X`, `static X`, `let X`, and
/// every name in a `use …;`.
fn collect_locals(tokens: TokenStream, out: &mut Vec<String>) {
    let toks: Vec<TokenTree> = tokens.into_iter().collect();
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            TokenTree::Ident(id)
                if matches!(id.to_string().as_str(), "const" | "static" | "let") =>
            {
                let mut j = i + 1;
                while let Some(TokenTree::Ident(next)) = toks.get(j) {
                    let name = next.to_string();
                    if name == "mut" || name == "ref" {
                        j += 1;
                        continue;
                    }
                    out.push(name);
                    break;
                }
            }
            TokenTree::Ident(id) if *id == "use" => {
                let mut j = i + 1;
                while j < toks.len() && !is_punct(&toks[j], ';') {
                    collect_idents(toks[j].clone(), out);
                    j += 1;
                }
                i = j;
            }
            TokenTree::Group(g) => collect_locals(g.stream(), out),
            _ => {}
        }
        i += 1;
    }
}

fn collect_idents(tok: TokenTree, out: &mut Vec<String>) {
    match tok {
        TokenTree::Ident(id) => out.push(id.to_string()),
        TokenTree::Group(g) => g.stream().into_iter().for_each(|t| collect_idents(t, out)),
        _ => {}
    }
}

fn walk(tokens: TokenStream, out: &mut Body) {
    let toks: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, tok) in toks.iter().enumerate() {
        match tok {
            TokenTree::Ident(ident) => {
                let Some(TokenTree::Group(g)) = toks.get(i + 1) else {
                    continue;
                };
                if g.delimiter() != Delimiter::Parenthesis {
                    continue;
                }
                let name = ident.to_string();
                let after_dot = i > 0 && is_punct(&toks[i - 1], '.');
                let arg = first_arg(g);
                match name.as_str() {
                    "set_flag" | "set_flag_value" if !after_dot => out.sets.extend(arg),
                    "clear_flag" if !after_dot => out.clears.extend(arg),
                    "toggle_flag" if !after_dot => {
                        out.sets.extend(arg.clone());
                        out.clears.extend(arg);
                    }
                    "is_flag_set" | "get_flag_value" if !after_dot => out.reads.extend(arg),
                    "any_flags_set" | "all_flags_set" if !after_dot => {
                        out.reads.extend(all_args(g))
                    }
                    "register_trigger" if !after_dot => {
                        out.triggers.push(trigger(g.stream()));
                        // The trigger's own calls are not the body's.
                        continue;
                    }
                    _ if after_dot || NOT_CALLS.contains(&name.as_str()) => {}
                    _ if name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_') => {
                        out.calls.push(Call {
                            path: path_before(&toks, i, &name),
                            arg,
                        });
                    }
                    _ => {}
                }
                walk(g.stream(), out);
            }
            TokenTree::Group(g) => {
                // Groups right after an identifier were walked with their call.
                let after_ident = i > 0 && matches!(toks[i - 1], TokenTree::Ident(_));
                if !(after_ident && g.delimiter() == Delimiter::Parenthesis) {
                    walk(g.stream(), out);
                }
            }
            _ => {}
        }
    }
}

fn is_punct(tok: &TokenTree, c: char) -> bool {
    matches!(tok, TokenTree::Punct(p) if p.as_char() == c)
}

/// `a::b::name` from the tokens before the name at `i`.
fn path_before(toks: &[TokenTree], i: usize, name: &str) -> String {
    let mut segments = vec![name.to_string()];
    let mut j = i;
    while j >= 3 && is_punct(&toks[j - 1], ':') && is_punct(&toks[j - 2], ':') {
        match &toks[j - 3] {
            TokenTree::Ident(seg) => segments.push(seg.to_string()),
            _ => break,
        }
        j -= 3;
    }
    segments.reverse();
    segments.join("::")
}

/// The arguments of a call, split at top-level commas.
fn args(group: &Group) -> Vec<Vec<TokenTree>> {
    let mut out = vec![Vec::new()];
    for tok in group.stream() {
        if is_punct(&tok, ',') {
            out.push(Vec::new());
        } else if let Some(last) = out.last_mut() {
            last.push(tok);
        }
    }
    out.retain(|a| !a.is_empty());
    out
}

fn first_arg(group: &Group) -> Option<Name> {
    args(group).first().and_then(|a| name_of(a))
}

fn all_args(group: &Group) -> Vec<Name> {
    args(group).iter().filter_map(|a| name_of(a)).collect()
}

/// A literal string or a constant's path (an optional leading `&` is ignored).
fn name_of(arg: &[TokenTree]) -> Option<Name> {
    let arg = match arg.first() {
        Some(t) if is_punct(t, '&') => &arg[1..],
        _ => arg,
    };
    if let [TokenTree::Literal(lit)] = arg {
        let parsed: syn::LitStr =
            syn::parse2(TokenStream::from(TokenTree::Literal(lit.clone()))).ok()?;
        return Some(Name::Lit(parsed.value()));
    }
    // `a::b::CONST`: identifiers separated by `::`, the last in SCREAMING_CASE.
    let mut expect_ident = true;
    let mut colons = 0;
    let mut last = None;
    for tok in arg {
        match tok {
            TokenTree::Ident(id) if expect_ident => {
                last = Some(id.to_string());
                expect_ident = false;
            }
            TokenTree::Punct(p) if !expect_ident && p.as_char() == ':' => {
                colons += 1;
                if colons == 2 {
                    colons = 0;
                    expect_ident = true;
                }
            }
            _ => return None,
        }
    }
    let last = last?;
    let screaming = last.chars().any(|c| c.is_ascii_uppercase())
        && last
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    (screaming && !expect_ident).then(|| Name::Const(arg.iter().cloned().collect()))
}

fn trigger(tokens: TokenStream) -> Trigger {
    let mut t = Trigger::default();
    fn visit(tokens: TokenStream, t: &mut Trigger) {
        let toks: Vec<TokenTree> = tokens.into_iter().collect();
        for (i, tok) in toks.iter().enumerate() {
            match tok {
                TokenTree::Ident(ident) => {
                    if let Some(TokenTree::Group(g)) = toks.get(i + 1) {
                        let arg = first_arg(g);
                        match ident.to_string().as_str() {
                            "when" => t.when = arg,
                            "when_not" => {
                                t.when = arg;
                                t.when_not = true;
                            }
                            "set_flag" => t.sets.extend(arg),
                            "clear_flag" => t.clears.extend(arg),
                            _ => {}
                        }
                    }
                }
                TokenTree::Group(g) => visit(g.stream(), t),
                _ => {}
            }
        }
    }
    visit(tokens, &mut t);
    t
}

/// `fn() -> Option<&'static str>` giving the name at run time: a constant that is not a
/// `&str` gives `None` (chosen by method resolution, so any type compiles).
pub fn thunk(name: &Name) -> TokenStream {
    match name {
        Name::Lit(s) => quote!(|| ::core::option::Option::Some(#s)),
        Name::Const(path) => quote!(|| {
            #[allow(unused_imports)]
            use ::charms_reactive::__private::{FlagArgOther as _, FlagArgStr as _};
            (&::charms_reactive::__private::Probe(&#path)).__flag_arg()
        }),
    }
}

fn thunks(names: &[Name]) -> TokenStream {
    let items = names.iter().map(thunk);
    quote!(&[#(#items),*])
}

/// The `flags: …` field of a registration.
pub fn to_tokens(body: &Body) -> TokenStream {
    let sets = thunks(&body.sets);
    let clears = thunks(&body.clears);
    let reads = thunks(&body.reads);
    let calls = body.calls.iter().map(|c| {
        let path = &c.path;
        let arg = match &c.arg {
            Some(n) => {
                let t = thunk(n);
                quote!(::core::option::Option::Some(#t))
            }
            None => quote!(::core::option::Option::None),
        };
        quote!(::charms_reactive::__private::CallDef { path: #path, arg: #arg })
    });
    let triggers = body.triggers.iter().map(|t| {
        let when = match &t.when {
            Some(n) => {
                let th = thunk(n);
                quote!(::core::option::Option::Some(#th))
            }
            None => quote!(::core::option::Option::None),
        };
        let when_not = t.when_not;
        let sets = thunks(&t.sets);
        let clears = thunks(&t.clears);
        quote!(::charms_reactive::__private::TriggerDef {
            when: #when, when_not: #when_not, sets: #sets, clears: #clears
        })
    });
    quote!(::charms_reactive::__private::BodyDef {
        sets: #sets,
        clears: #clears,
        reads: #reads,
        calls: &[#(#calls),*],
        triggers: &[#(#triggers),*],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lits(names: &[Name]) -> Vec<String> {
        names
            .iter()
            .map(|n| match n {
                Name::Lit(s) => s.clone(),
                Name::Const(p) => p.to_string().replace(' ', ""),
            })
            .collect()
    }

    #[test]
    fn flag_calls_with_literals_and_constants_are_recorded() {
        let b = body(quote! {{
            set_flag("a.b");
            if x { clear_flag(flags::READY); }
            toggle_flag(&TOGGLED, y);
            set_flag(&format!("x.{y}"));
            let _ = is_flag_set("c");
            layer_coordinator::acquire(LOCK)?;
            register_trigger(Trigger::when("t").set_flag("u"))?;
        }});
        assert_eq!(lits(&b.sets), ["a.b", "TOGGLED"]);
        assert_eq!(lits(&b.clears), ["flags::READY", "TOGGLED"]);
        assert_eq!(lits(&b.reads), ["c"]);
        let calls: Vec<&str> = b.calls.iter().map(|c| c.path.as_str()).collect();
        assert!(calls.contains(&"layer_coordinator::acquire"), "{calls:?}");
        assert!(!calls.contains(&"format"), "{calls:?}");
        assert_eq!(b.triggers.len(), 1);
        assert_eq!(lits(&b.triggers[0].sets), ["u"]);
        assert!(matches!(&b.triggers[0].when, Some(Name::Lit(w)) if w == "t"));
    }

    #[test]
    fn constants_declared_or_imported_in_the_body_are_not_recorded() {
        let b = body(quote! {{
            const LOCAL: &str = "x";
            use crate::flags::IMPORTED;
            use other::{self as o};
            set_flag(LOCAL);
            set_flag(IMPORTED);
            clear_flag(o::GONE);
            set_flag(OUTER);
        }});
        assert_eq!(lits(&b.sets), ["OUTER"]);
        assert!(b.clears.is_empty());
    }
}
