//! Code generation: the handler item plus its link-time registration.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{ItemFn, ReturnType};

use crate::conditions::{self, Condition};
use crate::scan;

/// The argument that marks a sibling attribute already handled by the outermost one.
/// Leaving the attribute in place (rather than deleting it) makes rustc resolve its path,
/// so the user's `use charms_reactive::when_not;` counts as used.
const CONSUMED: &str = "__charms_reactive_consumed";

/// Expands a handler attribute named `name` (the outermost of its stack).
pub fn handler(name: &str, attr: TokenStream, item: TokenStream) -> TokenStream {
    if attr.to_string() == CONSUMED {
        return item;
    }
    match try_handler(name, attr.into(), item.into()) {
        Ok(tokens) => tokens.into(),
        Err(err) => err.to_compile_error().into(),
    }
}

fn try_handler(name: &str, attr: TokenStream2, item: TokenStream2) -> syn::Result<TokenStream2> {
    let mut func: ItemFn = syn::parse2(item)?;
    let mut conds: Vec<Condition> = Vec::new();
    let mut kept = Vec::new();
    // Attributes nearest the `fn` first, like charms.reactive's bottom-up decorators.
    for mut attr in func.attrs.drain(..).rev() {
        if let Some(sibling) = conditions::reactive_name(&attr) {
            let args = match &attr.meta {
                syn::Meta::Path(_) => TokenStream2::new(),
                syn::Meta::List(list) => list.tokens.clone(),
                syn::Meta::NameValue(nv) => {
                    return Err(syn::Error::new(nv.span(), "use #[attr(\"...\")]"))
                }
            };
            let name_span = attr
                .path()
                .segments
                .last()
                .map_or(attr.span(), |s| s.ident.span());
            conds.push(conditions::parse(&sibling, name_span, args)?);
            let path = attr.path().clone();
            let marker = syn::Ident::new(CONSUMED, Span::call_site());
            attr.meta = syn::parse_quote!(#path(#marker));
        }
        kept.push(attr);
    }
    kept.reverse();
    func.attrs = kept;
    conds.push(conditions::parse(name, Span::call_site(), attr)?);
    conditions::check_combination(&conds)?;
    check_signature(&func)?;

    let cond_tokens = conds.iter().map(conditions::to_tokens);
    let body = scan::to_tokens(&scan::body(func.block.to_token_stream()));
    let extra = quote!(conditions: &[#(#cond_tokens),*], body: #body,);
    Ok(registration(
        &func,
        "HANDLER",
        quote!(HANDLERS),
        quote!(HandlerDef),
        extra,
    ))
}

/// The item followed by its registration: a `static` in the runtime's distributed slice
/// `slice`, of type `ty`, with the common fields plus `extra`.
fn registration(
    func: &ItemFn,
    kind: &str,
    slice: TokenStream2,
    ty: TokenStream2,
    extra: TokenStream2,
) -> TokenStream2 {
    let ident = &func.sig.ident;
    let fn_name = ident.to_string();
    let static_name = format_ident!("__REACTIVE_{}_{}", kind, fn_name.to_uppercase());
    // Spanned at the function name: `line!()` reports the handler's line, and a wrong
    // signature is reported there as a type mismatch.
    let line = quote_spanned!(ident.span()=> line!());
    let func_ref = quote_spanned!(ident.span()=> #ident);
    quote! {
        #func

        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        #[::charms_reactive::__private::linkme::distributed_slice(::charms_reactive::__private::#slice)]
        #[linkme(crate = ::charms_reactive::__private::linkme)]
        static #static_name: ::charms_reactive::__private::#ty =
            ::charms_reactive::__private::#ty {
                name: #fn_name,
                module: ::core::module_path!(),
                file: ::core::file!(),
                line: #line,
                func: #func_ref,
                #extra
            };
    }
}

/// Expands `#[startup]`.
pub fn startup(attr: TokenStream, item: TokenStream) -> TokenStream {
    let attr = TokenStream2::from(attr);
    let result = (|| -> syn::Result<TokenStream2> {
        if !attr.is_empty() {
            return Err(syn::Error::new(
                Span::call_site(),
                "#[startup] takes no arguments",
            ));
        }
        let func: ItemFn = syn::parse2(item.into())?;
        if let Some(other) = func
            .attrs
            .iter()
            .find(|a| conditions::reactive_name(a).is_some())
        {
            return Err(syn::Error::new(
                other.span(),
                "#[startup] functions run unconditionally at hook start; they take no conditions",
            ));
        }
        check_signature(&func)?;
        let body = scan::to_tokens(&scan::body(func.block.to_token_stream()));
        Ok(registration(
            &func,
            "STARTUP",
            quote!(STARTUP),
            quote!(StartupDef),
            quote!(body: #body,),
        ))
    })();
    result.unwrap_or_else(|e| e.to_compile_error()).into()
}

/// A handler is `fn name() -> anyhow::Result<()>`: no arguments, no generics, not async.
/// The exact return type is checked by the compiler when the function is stored in the
/// registration (`func: name` has type `fn() -> anyhow::Result<()>`).
fn check_signature(func: &ItemFn) -> syn::Result<()> {
    let sig = &func.sig;
    let wrong = |span: Span, what: &str| {
        Err(syn::Error::new(
            span,
            format!("reactive handlers must be `fn name() -> anyhow::Result<()>`: {what}"),
        ))
    };
    if let Some(a) = &sig.asyncness {
        return wrong(a.span(), "async functions are not supported");
    }
    if !sig.generics.params.is_empty() {
        return wrong(sig.generics.span(), "no generic parameters");
    }
    if !sig.inputs.is_empty() {
        return wrong(
            sig.inputs.span(),
            "handlers take no arguments (read flags and endpoints through the API)",
        );
    }
    if sig.variadic.is_some() || sig.abi.is_some() {
        return wrong(sig.span(), "no ABI or variadics");
    }
    if let ReturnType::Default = sig.output {
        return wrong(sig.ident.span(), "missing return type anyhow::Result<()>");
    }
    Ok(())
}
