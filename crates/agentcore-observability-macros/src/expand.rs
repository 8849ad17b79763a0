//! Code generation: the span around the body, kept current, and the outcome recorded.
//!
//! What a function becomes (hidden helpers live in the spans crate's `__private` module):
//!
//! ```text
//! sync fn        let guard = SpanGuard::new(builder.start());
//!                let cx = guard.context().attach();
//!                let ret: R = call_once(move || BODY);      // `return` and `?` stay inside
//!                record(&ret); guard.finish(); drop(cx); ret
//! async fn       let guard = ..; let cx = guard.context();
//!                with_context(async move {
//!                    let guard = guard;
//!                    let ret: R = async move BODY.await;
//!                    record(&ret); guard.finish(); ret
//!                }, cx).await
//! -> impl Future let fut = { attach; future_once::<Output, _>(move || BODY) };   // sync part in the span
//! -> Pin<Box<dyn Future>>  with_context(async move { .. fut.await .. }, cx)      // (boxed: Box::pin(..))
//! ```
//!
//! A guard dropped without `finish` (the future was dropped mid-way, or the body panicked) still
//! ends the span, marked `agentcore.cancelled=true` or with a `panic` error.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::ext::IdentExt as _;
use syn::spanned::Spanned as _;
use syn::visit_mut::VisitMut;
use syn::{
    AttrStyle, Expr, FnArg, GenericArgument, Ident, ItemFn, Pat, Path, PathArguments, ReturnType,
    Type, TypeParamBound,
};

use crate::args::{self, Args, Kind, Sigil};

/// The whole macro: parse, validate, generate; on any problem the original item plus a
/// `compile_error!` (so the rest of the crate still sees the function).
pub(crate) fn instrument(kind: Kind, attr: TokenStream, item: TokenStream) -> TokenStream {
    let function = match parse_function(kind, item.clone()) {
        Ok(function) => function,
        Err(error) => {
            let error = error.to_compile_error();
            return quote! { #error #item };
        }
    };
    let expanded = args::parse(kind, attr).and_then(|args| {
        validate(kind, &args, &function)?;
        Ok(generate(kind, &args, function.clone()))
    });
    match expanded {
        Ok(tokens) => tokens,
        Err(error) => {
            let error = error.to_compile_error();
            quote! { #error #function }
        }
    }
}

fn parse_function(kind: Kind, item: TokenStream) -> syn::Result<ItemFn> {
    let attribute = kind.attribute();
    let function = match syn::parse2::<ItemFn>(item.clone()) {
        Ok(function) => function,
        Err(_) => return Err(not_a_function(attribute, item)),
    };
    let sig = &function.sig;
    if let Some(constness) = &sig.constness {
        return Err(syn::Error::new_spanned(
            constness,
            format!(
                "{attribute} cannot go on a `const fn`: the span starts and ends at run time; \
                 remove `const`, or instrument the non-const function that calls it"
            ),
        ));
    }
    if let Some(variadic) = &sig.variadic {
        return Err(syn::Error::new_spanned(
            variadic,
            format!(
                "{attribute} cannot go on a variadic function; instrument a Rust wrapper instead"
            ),
        ));
    }
    Ok(function)
}

fn not_a_function(attribute: &str, item: TokenStream) -> syn::Error {
    let goes_on = format!(
        "{attribute} goes on a function: `fn` or `async fn`, free, in an `impl` block, or a trait \
         method with a default body"
    );
    if let Ok(method) = syn::parse2::<syn::TraitItemFn>(item.clone()) {
        return syn::Error::new_spanned(
            &method.sig,
            format!(
                "{attribute} needs a function body; this trait method has none: put the attribute \
                 on the method in each `impl` block instead (or give the method a default body)"
            ),
        );
    }
    let (tokens, what, hint) = match syn::parse2::<syn::Item>(item.clone()) {
        Ok(syn::Item::Struct(s)) => (s.ident.to_token_stream(), "a struct", ""),
        Ok(syn::Item::Enum(e)) => (e.ident.to_token_stream(), "an enum", ""),
        Ok(syn::Item::Union(u)) => (u.ident.to_token_stream(), "a union", ""),
        Ok(syn::Item::Trait(t)) => (
            t.ident.to_token_stream(),
            "a trait",
            "; put it on the trait's methods that have a default body, or on the methods of its impls",
        ),
        Ok(syn::Item::Impl(i)) => (
            i.impl_token.to_token_stream(),
            "an impl block",
            "; put it on each method to instrument",
        ),
        Ok(syn::Item::Mod(m)) => (m.ident.to_token_stream(), "a module", ""),
        Ok(syn::Item::Const(c)) => (c.ident.to_token_stream(), "a const", ""),
        Ok(syn::Item::Static(s)) => (s.ident.to_token_stream(), "a static", ""),
        Ok(syn::Item::Type(t)) => (t.ident.to_token_stream(), "a type alias", ""),
        Ok(syn::Item::Use(u)) => (u.use_token.to_token_stream(), "a use declaration", ""),
        Ok(syn::Item::ForeignMod(f)) => (
            f.abi.to_token_stream(),
            "an extern block",
            "; instrument a Rust wrapper of the foreign function instead",
        ),
        Ok(syn::Item::Macro(m)) => (m.mac.path.to_token_stream(), "a macro invocation", ""),
        _ => (item, "not a function", ""),
    };
    let message = if what == "not a function" {
        format!("{goes_on}; this is not a function")
    } else {
        format!("{goes_on}; this is {what}{hint}")
    };
    if tokens.is_empty() {
        syn::Error::new(Span::call_site(), message)
    } else {
        syn::Error::new_spanned(tokens, message)
    }
}

/// The names bound by the function's arguments, in order (`self` apart).
struct Arguments {
    names: Vec<Ident>,
    has_self: bool,
}

fn arguments(function: &ItemFn) -> Arguments {
    let mut names = Vec::new();
    let mut has_self = false;
    for input in &function.sig.inputs {
        match input {
            FnArg::Receiver(_) => has_self = true,
            FnArg::Typed(typed) => bound_names(&typed.pat, &mut names),
        }
    }
    Arguments { names, has_self }
}

fn bound_names(pat: &Pat, out: &mut Vec<Ident>) {
    match pat {
        Pat::Ident(p) => {
            if p.ident == "self" {
                return;
            }
            out.push(p.ident.clone());
            if let Some((_, sub)) = &p.subpat {
                bound_names(sub, out);
            }
        }
        Pat::Tuple(t) => t.elems.iter().for_each(|p| bound_names(p, out)),
        Pat::TupleStruct(t) => t.elems.iter().for_each(|p| bound_names(p, out)),
        Pat::Struct(s) => s.fields.iter().for_each(|f| bound_names(&f.pat, out)),
        Pat::Slice(s) => s.elems.iter().for_each(|p| bound_names(p, out)),
        Pat::Reference(r) => bound_names(&r.pat, out),
        Pat::Paren(p) => bound_names(&p.pat, out),
        Pat::Type(t) => bound_names(&t.pat, out),
        Pat::Or(o) => {
            if let Some(first) = o.cases.first() {
                bound_names(first, out);
            }
        }
        _ => {}
    }
}

fn validate(kind: Kind, args: &Args, function: &ItemFn) -> syn::Result<()> {
    let arguments = arguments(function);
    for skipped in &args.skip {
        if skipped == "self" {
            if !arguments.has_self {
                return Err(syn::Error::new_spanned(
                    skipped,
                    "`skip(self)`: this function has no `self` argument; remove `self` from skip(..)",
                ));
            }
            continue;
        }
        if !arguments.names.iter().any(|name| name == skipped) {
            let known = if arguments.names.is_empty() {
                "it has no named arguments".to_string()
            } else {
                let list: Vec<String> = arguments
                    .names
                    .iter()
                    .map(|name| format!("`{}`", name.unraw()))
                    .collect();
                format!("its arguments are {}", list.join(", "))
            };
            return Err(syn::Error::new_spanned(
                skipped,
                format!(
                    "`skip({})`: `{}` has no argument `{}`; {known}",
                    skipped.unraw(),
                    function.sig.ident.unraw(),
                    skipped.unraw()
                ),
            ));
        }
    }
    if let (Some(skip_all), Some(skip)) = (&args.skip_all, &args.skip_keyword) {
        return Err(syn::Error::new_spanned(
            skip,
            format!(
                "`skip(..)` with `{skip_all}` is redundant: `skip_all` already leaves out every \
                 argument; keep one of them"
            ),
        ));
    }
    if let (Some(arguments_flag), Some(_)) = (&args.arguments, &args.skip_all) {
        return Err(syn::Error::new_spanned(
            arguments_flag,
            format!(
                "`arguments` with `skip_all` records nothing; remove `skip_all` to record every \
                 argument, or name only the ones to leave out in `skip(..)`, as in \
                 `#[{}(arguments, skip(client))]`",
                kind.name()
            ),
        ));
    }
    Ok(())
}

/// Replaces every `impl Trait` in a type with `_`, so the type can annotate a `let`.
struct InferImplTrait;

impl VisitMut for InferImplTrait {
    fn visit_type_mut(&mut self, ty: &mut Type) {
        if let Type::ImplTrait(impl_trait) = ty {
            *ty = Type::Infer(syn::TypeInfer {
                underscore_token: syn::Token![_](impl_trait.impl_token.span),
            });
            return;
        }
        syn::visit_mut::visit_type_mut(self, ty);
    }
}

fn let_type(ty: &Type) -> Type {
    let mut ty = ty.clone();
    InferImplTrait.visit_type_mut(&mut ty);
    ty
}

/// What the function returns, as far as the span is concerned.
enum Shape {
    /// A plain value (including `Result`), returned from a sync fn or an `async fn`.
    Value(Type),
    /// `-> !`: nothing to record, the span ends when the guard drops (panic) or never.
    Never,
    /// `-> impl Future<Output = O>` (with `O` when written).
    ImplFuture(Option<Type>),
    /// `-> Pin<Box<dyn Future<..>>>` or `BoxFuture<'_, _>` (what `#[async_trait]` produces).
    BoxedFuture(Type),
}

fn last_segment(path: &Path) -> Option<&syn::PathSegment> {
    path.segments.last()
}

fn is_future_bound(bound: &TypeParamBound) -> Option<&syn::PathSegment> {
    match bound {
        TypeParamBound::Trait(t) => last_segment(&t.path).filter(|s| s.ident == "Future"),
        _ => None,
    }
}

fn future_output(segment: &syn::PathSegment) -> Option<Type> {
    if let PathArguments::AngleBracketed(args) = &segment.arguments {
        for arg in &args.args {
            if let GenericArgument::AssocType(assoc) = arg {
                if assoc.ident == "Output" {
                    return Some(assoc.ty.clone());
                }
            }
        }
    }
    None
}

fn is_boxed_future(ty: &Type) -> bool {
    let Type::Path(path) = ty else { return false };
    let Some(segment) = last_segment(&path.path) else {
        return false;
    };
    if segment.ident == "BoxFuture" || segment.ident == "LocalBoxFuture" {
        return true;
    }
    if segment.ident != "Pin" {
        return false;
    }
    let PathArguments::AngleBracketed(args) = &segment.arguments else {
        return false;
    };
    let Some(GenericArgument::Type(Type::Path(boxed))) = args.args.first() else {
        return false;
    };
    let Some(box_segment) = last_segment(&boxed.path) else {
        return false;
    };
    if box_segment.ident != "Box" {
        return false;
    }
    let PathArguments::AngleBracketed(box_args) = &box_segment.arguments else {
        return false;
    };
    matches!(
        box_args.args.first(),
        Some(GenericArgument::Type(Type::TraitObject(object)))
            if object.bounds.iter().any(|b| is_future_bound(b).is_some())
    )
}

fn shape(function: &ItemFn) -> Shape {
    let ty = match &function.sig.output {
        ReturnType::Default => return Shape::Value(syn::parse_quote!(())),
        ReturnType::Type(_, ty) => &**ty,
    };
    if matches!(ty, Type::Never(_)) {
        return Shape::Never;
    }
    if function.sig.asyncness.is_none() {
        if let Type::ImplTrait(impl_trait) = ty {
            if let Some(segment) = impl_trait.bounds.iter().find_map(is_future_bound) {
                return Shape::ImplFuture(future_output(segment).map(|o| let_type(&o)));
            }
        }
        if is_boxed_future(ty) {
            return Shape::BoxedFuture(ty.clone());
        }
    }
    Shape::Value(let_type(ty))
}

/// `expr` as a `String` argument of a builder: literals as they are, anything else by `Display`
/// through a reference (so an argument named there is not moved).
fn string_arg(expr: &Expr) -> TokenStream {
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(_),
            ..
        }) => expr.to_token_stream(),
        _ => quote_spanned! {expr.span()=> ::std::string::ToString::to_string(&(#expr)) },
    }
}

fn generate(kind: Kind, args: &Args, mut function: ItemFn) -> TokenStream {
    let spans: Path = args
        .krate
        .clone()
        .unwrap_or_else(|| syn::parse_quote!(::agentcore_observability::spans));
    let private = quote!(#spans::__private);
    let site = Span::mixed_site();
    let builder = Ident::new("__agentcore_builder", site);
    let guard = Ident::new("__agentcore_guard", site);
    let cx = Ident::new("__agentcore_cx", site);
    let ret = Ident::new("__agentcore_ret", site);
    let fut = Ident::new("__agentcore_future", site);
    let json = Ident::new("__agentcore_arguments", site);
    let value = Ident::new("__agentcore_value", site);
    let attached = Ident::new("__agentcore_attached", site);

    // The span and its attributes, evaluated before the body.
    let name = match &args.name {
        Some(name) => string_arg(name),
        None => {
            let name = function.sig.ident.unraw().to_string();
            quote!(#name)
        }
    };
    let mut build = match kind {
        Kind::Agent => quote! { let #builder = #spans::agent(#name); },
        Kind::Tool => quote! { let #builder = #spans::tool(#name); },
    };
    for (method, expr) in [
        ("id", &args.id),
        ("tool_type", &args.tool_type),
        ("call_id", &args.call_id),
    ] {
        if let Some(expr) = expr {
            let method = format_ident!("{}", method);
            let expr = string_arg(expr);
            build.extend(quote! { let #builder = #builder.#method(#expr); });
        }
    }
    for field in &args.fields {
        let key = &field.key;
        let expr = &field.value;
        let value = match field.sigil {
            Sigil::Value => quote_spanned! {expr.span()=> #private::field_value(&(#expr)) },
            Sigil::Display => quote_spanned! {expr.span()=> #private::display_value(&(#expr)) },
            Sigil::Debug => quote_spanned! {expr.span()=> #private::debug_value(&(#expr)) },
        };
        build.extend(quote! {
            let #builder = #private::SpanBuilderExt::__agentcore_attribute(#builder, #key, #value);
        });
    }
    if args.arguments.is_some() {
        let recorded: Vec<Ident> = arguments(&function)
            .names
            .into_iter()
            .filter(|name| !args.skip.iter().any(|skipped| skipped == name))
            .collect();
        let values = recorded.iter().map(|name| {
            let key = name.unraw().to_string();
            quote_spanned! {name.span()=> (&&#private::Arg(&#name)).__agentcore_json(#json.key(#key)); }
        });
        build.extend(quote! {
            let #builder = if #private::capture_content() {
                let mut #json = #private::ArgumentsJson::new();
                {
                    #[allow(unused_imports)]
                    use #private::{DebugJson as _, NativeJson as _};
                    #(#values)*
                }
                #builder.arguments(#json.finish())
            } else {
                #builder
            };
        });
    }
    let start = quote! {
        let #guard = {
            #build
            #private::SpanGuard::new(#builder.start())
        };
    };

    // After the body: the outcome, the result value, the end.
    let record_result = args.result.as_ref().map(|flag| {
        let text = quote_spanned! {flag.span()=> (&&#private::Arg(#value)).__agentcore_text() };
        quote! {
            if #private::capture_content() {
                if let ::core::option::Option::Some(#value) = (&&#private::Outcome(&#ret)).__agentcore_ok_value() {
                    #guard.span().record_result_value(#text);
                }
            }
        }
    });
    let finish = quote! {
        {
            #[allow(unused_imports)]
            use #private::{
                DebugText as _, NativeText as _, OkValue as _, PlainValue as _, RecordBoxedError as _,
                RecordDebugError as _, RecordDisplayError as _, RecordNothing as _,
                RecordStdError as _,
            };
            (&&&&&#private::Outcome(&#ret)).__agentcore_record(#guard.span());
            #record_result
        }
        #guard.finish();
    };

    let (inner_attrs, outer_attrs): (Vec<_>, Vec<_>) = function
        .attrs
        .drain(..)
        .partition(|attr| matches!(attr.style, AttrStyle::Inner(_)));
    function.attrs = outer_attrs;
    let block = &function.block;
    let stmts = &function.block.stmts;
    let with_context = quote!(#private::opentelemetry::context::FutureExt::with_context);

    // A `return` of the declared type before the body, never taken: it fixes the closure's or
    // async block's return type to the function's before the body is checked, so `return
    // Box::new(x)` still coerces to `Box<dyn Trait>` as it would without the macro.
    let fake_return = |ty: &Type| {
        let fake = Ident::new("__agentcore_fake_return", site);
        quote_spanned! {ty.span()=>
            #[allow(
                unknown_lints,
                unreachable_code,
                clippy::diverging_sub_expression,
                clippy::empty_loop,
                clippy::let_unit_value,
                clippy::let_with_type_underscore,
                clippy::needless_return,
                clippy::unreachable
            )]
            if false {
                let #fake: #ty = loop {};
                return #fake;
            }
        }
    };

    let body = match (function.sig.asyncness.is_some(), shape(&function)) {
        (false, Shape::Never) => quote! {
            #start
            let #cx = #guard.context().attach();
            #(#stmts)*
        },
        (false, Shape::Value(ty)) => {
            let fake = fake_return(&ty);
            quote! {
                #start
                let #cx = #guard.context().attach();
                let #ret: #ty = #private::call_once(move || { #fake #(#stmts)* });
                #finish
                ::core::mem::drop(#cx);
                #ret
            }
        }
        (true, Shape::Never) => quote! {
            #start
            let #cx = #guard.context();
            #with_context(async move {
                let #guard = #guard;
                async move #block.await
            }, #cx).await
        },
        (true, Shape::Value(ty)) => {
            let fake = fake_return(&ty);
            quote! {
                #start
                let #cx = #guard.context();
                #with_context(async move {
                    let #guard = #guard;
                    let #ret: #ty = async move { #fake #(#stmts)* }.await;
                    #finish
                    #ret
                }, #cx).await
            }
        }
        (_, Shape::ImplFuture(output)) => {
            let make = match output {
                Some(output) => quote! { #private::future_once::<#output, _>(move || #block) },
                None => quote! { #private::call_once(move || #block) },
            };
            quote! {
                #start
                let #cx = #guard.context();
                let #fut = {
                    let #attached = #cx.clone().attach();
                    #make
                };
                #with_context(async move {
                    let #guard = #guard;
                    let #ret = #fut.await;
                    #finish
                    #ret
                }, #cx)
            }
        }
        (_, Shape::BoxedFuture(ty)) => {
            let fake = fake_return(&ty);
            quote! {
                #start
                let #cx = #guard.context();
                let #fut: #ty = {
                    let #attached = #cx.clone().attach();
                    #private::call_once(move || { #fake #(#stmts)* })
                };
                ::std::boxed::Box::pin(#with_context(async move {
                    let #guard = #guard;
                    let #ret = #fut.await;
                    #finish
                    #ret
                }, #cx))
            }
        }
    };

    let attrs = &function.attrs;
    let vis = &function.vis;
    let sig = &function.sig;
    quote! {
        #(#attrs)*
        #vis #sig {
            #(#inner_attrs)*
            #body
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(kind: Kind, attr: &str, item: &str) -> String {
        let attr: TokenStream = attr.parse().expect("attr tokens");
        let item: TokenStream = item.parse().expect("item tokens");
        instrument(kind, attr, item).to_string()
    }

    /// Malformed input of every kind: a `compile_error!` with the original item, never a panic.
    #[test]
    fn malformed_input_is_a_compile_error_not_a_panic() {
        let attrs = [
            "",
            "name",
            "name =",
            "name = ,",
            "name = \"\"",
            "= 1",
            ",",
            ",,",
            "name = 1 2",
            "fields",
            "fields()",
            "fields(,)",
            "fields(a.)",
            "fields(.a)",
            "fields(= 1)",
            "fields(a = )",
            "fields(%)",
            "fields(?)",
            "fields(%a.b)",
            "fields(\"\" = 1)",
            "fields(a = 1, a = 2)",
            "fields(self)",
            "fields(a = %)",
            "skip",
            "skip()",
            "skip(1)",
            "skip(nope)",
            "skip(self)",
            "skip_all = 1",
            "skip_all(x)",
            "arguments, skip_all",
            "skip(a), skip_all",
            "crate",
            "crate =",
            "crate = \"\"",
            "crate = \"a b\"",
            "crate = 1",
            "crate = \"::x\", crate = \"::y\"",
            "id = 1",
            "tool_type = 1",
            "err",
            "ret",
            "level = \"info\"",
            "target = \"x\"",
            "parent = None",
            "\"name\"",
            "123",
            "#",
            "name = \"a\" id = \"b\"",
            "result(x)",
            "fields(a = 1) fields(b = 2)",
        ];
        let items = [
            "fn f(a: u8) -> u8 { a }",
            "async fn f(&self, a: u8) {}",
            "struct S;",
            "const fn f() {}",
            "fn f(&self);",
            "trait T { fn f(&self); }",
            "impl S { fn f(&self) {} }",
            "",
            "fn",
            "extern \"C\" { fn printf(f: *const u8, ...); }",
            "mod m {}",
            "let x = 1;",
        ];
        for kind in [Kind::Agent, Kind::Tool] {
            for attr in attrs {
                for item in items {
                    let out = expand(kind, attr, item);
                    assert!(!out.is_empty() || item.is_empty(), "{attr} / {item}");
                }
            }
        }
    }

    #[test]
    fn valid_input_expands_around_the_body() {
        let out = expand(
            Kind::Tool,
            "name = \"web_search\", fields(q.len = q.len()), arguments, result",
            "pub fn search(q: &str) -> Result<u8, String> { Ok(1) }",
        );
        assert!(!out.contains("compile_error"), "{out}");
        assert!(
            out.contains(":: agentcore_observability :: spans :: tool (\"web_search\")"),
            "{out}"
        );
        assert!(out.contains("call_once"), "{out}");

        let out = expand(
            Kind::Agent,
            "crate = \"::agentcore_observability_spans\"",
            "async fn run(&self) {}",
        );
        assert!(!out.contains("compile_error"), "{out}");
        assert!(
            out.contains(":: agentcore_observability_spans :: agent (\"run\")"),
            "{out}"
        );
        assert!(out.contains("with_context"), "{out}");
    }

    #[test]
    fn each_error_names_what_to_write() {
        for (kind, attr, item, expected) in [
            (Kind::Tool, "nmae = \"x\"", "fn f() {}", "accepts: name ="),
            (
                Kind::Tool,
                "skip(b)",
                "fn f(a: u8) {}",
                "its arguments are `a`",
            ),
            (Kind::Agent, "", "struct S;", "this is a struct"),
            (Kind::Tool, "", "const fn f() {}", "remove `const`"),
            (
                Kind::Tool,
                "arguments, skip_all",
                "fn f(a: u8) {}",
                "records nothing",
            ),
            (
                Kind::Agent,
                "arguments",
                "fn f() {}",
                "#[instrument_tool] option",
            ),
            (
                Kind::Tool,
                "fields(a.b)",
                "fn f() {}",
                "write `a.b = <expr>`",
            ),
        ] {
            let out = expand(kind, attr, item);
            assert!(out.contains("compile_error"), "{attr}: {out}");
            assert!(out.contains(expected), "{attr}: {out}");
        }
    }
}
