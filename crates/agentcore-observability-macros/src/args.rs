//! The attribute arguments: `name = ..`, `fields(..)`, `skip(..)`, flags, `crate = ".."`.
//!
//! Every problem is a `syn::Error` that says what to write instead; nothing here panics.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::ext::IdentExt as _;
use syn::parse::{ParseStream, Parser as _};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, LitStr, Path, Token};

/// Which macro is parsing: the two accept different keys.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Agent,
    Tool,
}

impl Kind {
    pub(crate) fn attribute(self) -> &'static str {
        match self {
            Kind::Agent => "#[instrument_agent]",
            Kind::Tool => "#[instrument_tool]",
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Agent => "instrument_agent",
            Kind::Tool => "instrument_tool",
        }
    }

    fn accepted(self) -> &'static str {
        match self {
            Kind::Agent => {
                "name = \"..\", id = \"..\", fields(key = value, ..), skip(arg, ..), skip_all, \
                 crate = \"path\""
            }
            Kind::Tool => {
                "name = \"..\", tool_type = \"..\", call_id = expr, fields(key = value, ..), \
                 skip(arg, ..), skip_all, arguments, result, crate = \"path\""
            }
        }
    }
}

/// How a field's value becomes an attribute value.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sigil {
    /// `key = expr`: strings, numbers, bools and `Option`s of them, as typed attribute values.
    Value,
    /// `key = %expr`: the `Display` text.
    Display,
    /// `key = ?expr`: the `Debug` text.
    Debug,
}

/// One `fields(..)` entry.
pub(crate) struct Field {
    pub key: String,
    pub key_span: TokenStream,
    pub sigil: Sigil,
    pub value: Expr,
}

/// The parsed attribute arguments of either macro.
#[derive(Default)]
pub(crate) struct Args {
    pub name: Option<Expr>,
    pub id: Option<Expr>,
    pub tool_type: Option<Expr>,
    pub call_id: Option<Expr>,
    pub fields: Vec<Field>,
    pub skip: Vec<Ident>,
    /// The `skip(..)` keyword, for errors about the list as a whole.
    pub skip_keyword: Option<Ident>,
    pub skip_all: Option<Ident>,
    pub arguments: Option<Ident>,
    pub result: Option<Ident>,
    pub krate: Option<Path>,
}

/// Parses the tokens inside `#[instrument_*( .. )]`.
pub(crate) fn parse(kind: Kind, tokens: TokenStream) -> syn::Result<Args> {
    (|input: ParseStream<'_>| parse_args(kind, input)).parse2(tokens)
}

fn parse_args(kind: Kind, input: ParseStream<'_>) -> syn::Result<Args> {
    let mut args = Args::default();
    while !input.is_empty() {
        let key = if input.peek(Token![crate]) {
            let token: Token![crate] = input.parse()?;
            Ident::new("crate", token.span)
        } else if input.peek(Ident::peek_any) {
            Ident::parse_any(input)?
        } else if input.peek(LitStr) {
            return Err(input.error(format!(
                "a name is given as `name = \"..\"`, as in `#[{}(name = \"web_search\")]`",
                kind.name()
            )));
        } else {
            return Err(input.error(format!(
                "expected an argument of {}; accepted: {}",
                kind.attribute(),
                kind.accepted()
            )));
        };
        parse_one(kind, &key, input, &mut args)?;
        if input.is_empty() {
            break;
        }
        if !input.peek(Token![,]) {
            return Err(input.error(format!(
                "expected `,` after `{key}` and its value; arguments of {} are separated by commas",
                kind.attribute()
            )));
        }
        input.parse::<Token![,]>()?;
    }
    Ok(args)
}

fn parse_one(kind: Kind, key: &Ident, input: ParseStream<'_>, args: &mut Args) -> syn::Result<()> {
    let attribute = kind.attribute();
    match key.to_string().as_str() {
        "name" => set_expr(&mut args.name, key, input, "name = \"travel-agent\""),
        "id" if kind == Kind::Agent => set_expr(&mut args.id, key, input, "id = \"agent-123\""),
        "tool_type" if kind == Kind::Tool => {
            set_expr(&mut args.tool_type, key, input, "tool_type = \"function\"")
        }
        "call_id" if kind == Kind::Tool => {
            set_expr(&mut args.call_id, key, input, "call_id = tool_use_id")
        }
        "fields" => {
            if !args.fields.is_empty() {
                return Err(duplicate(
                    key,
                    "fields(..)",
                    "put every field in one fields(..) list",
                ));
            }
            let content = parenthesized(key, input, "fields(user = %user.id, tenant)")?;
            let fields =
                Punctuated::<Field, Token![,]>::parse_terminated_with(&content, parse_field)?;
            for field in fields {
                if args.fields.iter().any(|f| f.key == field.key) {
                    return Err(syn::Error::new_spanned(
                        &field.key_span,
                        format!("field `{}` is listed twice in fields(..)", field.key),
                    ));
                }
                args.fields.push(field);
            }
            Ok(())
        }
        "skip" => {
            if args.skip_keyword.is_some() {
                return Err(duplicate(
                    key,
                    "skip(..)",
                    "name every skipped argument in one skip(..) list",
                ));
            }
            let content = parenthesized(key, input, "skip(client, big_input)")?;
            let names = Punctuated::<Ident, Token![,]>::parse_terminated_with(&content, |input| {
                if input.peek(Ident::peek_any) {
                    Ident::parse_any(input)
                } else {
                    Err(input.error("expected an argument name, as in `skip(client, big_input)`"))
                }
            })?;
            if names.is_empty() {
                return Err(syn::Error::new_spanned(
                    key,
                    "`skip()` names no argument: list the arguments to leave out, as in \
                     `skip(client)`, or remove it",
                ));
            }
            args.skip_keyword = Some(key.clone());
            args.skip.extend(names);
            Ok(())
        }
        "skip_all" => set_flag(&mut args.skip_all, key, input),
        "arguments" if kind == Kind::Tool => set_flag(&mut args.arguments, key, input),
        "result" if kind == Kind::Tool => set_flag(&mut args.result, key, input),
        "crate" => {
            if args.krate.is_some() {
                return Err(duplicate(key, "crate", "give the path once"));
            }
            expect_eq(key, input, "crate = \"::agentcore_observability_spans\"")?;
            let path = if input.peek(LitStr) {
                let lit: LitStr = input.parse()?;
                lit.parse::<Path>().map_err(|_| {
                    syn::Error::new_spanned(
                        &lit,
                        "`crate` must be the path of the spans API, as in \
                         `crate = \"::agentcore_observability_spans\"` \
                         (default `::agentcore_observability::spans`)",
                    )
                })?
            } else {
                input.parse::<Path>().map_err(|error| {
                    syn::Error::new(
                        error.span(),
                        "`crate` must be the path of the spans API, as in \
                         `crate = \"::agentcore_observability_spans\"`",
                    )
                })?
            };
            args.krate = Some(path);
            Ok(())
        }
        // Options of the other macro.
        "id" => Err(syn::Error::new_spanned(
            key,
            "`id` is an #[instrument_agent] option; a tool call's id is `call_id = expr`",
        )),
        "tool_type" | "call_id" | "arguments" | "result" => Err(syn::Error::new_spanned(
            key,
            format!(
                "`{key}` is an #[instrument_tool] option; #[instrument_agent] records inputs only \
                 through fields(..)"
            ),
        )),
        // `#[tracing::instrument]` options with no equivalent here.
        "err" => Err(syn::Error::new_spanned(
            key,
            format!(
                "`err` is not needed: {attribute} records an `Err` return on the span \
                 (status ERROR, error.type, exception event) by itself; remove `err`"
            ),
        )),
        "ret" => Err(syn::Error::new_spanned(
            key,
            match kind {
                Kind::Tool => {
                    "`ret` is spelled `result` here: it records the return value \
                               (the `Ok` value of a `Result`) as gen_ai.tool.call.result"
                }
                Kind::Agent => {
                    "an agent's return value is not recorded; record what matters \
                                inside the function, or use #[instrument_tool(result)] on tools"
                }
            },
        )),
        "level" | "target" | "parent" | "follows_from" => Err(syn::Error::new_spanned(
            key,
            format!(
                "`{key}` is a #[tracing::instrument] option with no meaning here: GenAI spans \
                 have no level or target, and their parent is the current span; remove it \
                 ({attribute} accepts: {})",
                kind.accepted()
            ),
        )),
        other => Err(syn::Error::new_spanned(
            key,
            format!(
                "unknown argument `{other}`; {attribute} accepts: {}",
                kind.accepted()
            ),
        )),
    }
}

fn duplicate(key: &Ident, what: &str, hint: &str) -> syn::Error {
    syn::Error::new_spanned(key, format!("`{what}` is given twice; {hint}"))
}

fn expect_eq(key: &Ident, input: ParseStream<'_>, example: &str) -> syn::Result<()> {
    if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        if input.is_empty() || input.peek(Token![,]) {
            return Err(syn::Error::new_spanned(
                key,
                format!("`{key} =` needs a value, as in `{example}`"),
            ));
        }
        Ok(())
    } else {
        Err(syn::Error::new_spanned(
            key,
            format!("`{key}` needs a value, as in `{example}`"),
        ))
    }
}

fn set_expr(
    slot: &mut Option<Expr>,
    key: &Ident,
    input: ParseStream<'_>,
    example: &str,
) -> syn::Result<()> {
    if slot.is_some() {
        return Err(duplicate(key, &key.to_string(), "keep one"));
    }
    expect_eq(key, input, example)?;
    let value: Expr = input.parse()?;
    if let Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(lit),
        ..
    }) = &value
    {
        if lit.value().trim().is_empty() {
            return Err(syn::Error::new_spanned(
                lit,
                format!("`{key}` is empty; give a value, as in `{example}`, or leave `{key}` out"),
            ));
        }
    }
    *slot = Some(value);
    Ok(())
}

fn set_flag(slot: &mut Option<Ident>, key: &Ident, input: ParseStream<'_>) -> syn::Result<()> {
    if slot.is_some() {
        return Err(duplicate(key, &key.to_string(), "keep one"));
    }
    if input.peek(Token![=]) || input.peek(syn::token::Paren) {
        return Err(syn::Error::new_spanned(
            key,
            format!("`{key}` takes no value: write just `{key}`"),
        ));
    }
    *slot = Some(key.clone());
    Ok(())
}

fn parenthesized<'a>(
    key: &Ident,
    input: ParseStream<'a>,
    example: &str,
) -> syn::Result<syn::parse::ParseBuffer<'a>> {
    if !input.peek(syn::token::Paren) {
        return Err(syn::Error::new_spanned(
            key,
            format!("`{key}` takes a list in parentheses, as in `{example}`"),
        ));
    }
    let content;
    syn::parenthesized!(content in input);
    Ok(content)
}

const FIELD_FORMS: &str = "write `key = expr` (strings, numbers, bools, Options of them), \
                           `key = %expr` (Display), `key = ?expr` (Debug), or just `arg` / \
                           `%arg` / `?arg` for an argument; keys may be dotted \
                           (`user.id = ..`) or string literals (`\"user-id\" = ..`)";

fn parse_sigil(input: ParseStream<'_>) -> syn::Result<Sigil> {
    if input.peek(Token![%]) {
        input.parse::<Token![%]>()?;
        Ok(Sigil::Display)
    } else if input.peek(Token![?]) {
        input.parse::<Token![?]>()?;
        Ok(Sigil::Debug)
    } else {
        Ok(Sigil::Value)
    }
}

fn parse_field(input: ParseStream<'_>) -> syn::Result<Field> {
    // Shorthand with a sigil: `%user`, `?config`.
    if input.peek(Token![%]) || input.peek(Token![?]) {
        let sigil = parse_sigil(input)?;
        if !input.peek(Ident) || input.peek2(Token![.]) {
            return Err(input.error(format!(
                "a shorthand field is a plain argument name, as in `%user`; otherwise {FIELD_FORMS}"
            )));
        }
        let ident: Ident = input.parse()?;
        return Ok(Field {
            key: ident.to_string(),
            key_span: ident.to_token_stream(),
            sigil,
            value: ident_expr(ident),
        });
    }

    // The key: a string literal, or dotted identifiers.
    let (key, key_span, single) = if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        if lit.value().is_empty() {
            return Err(syn::Error::new_spanned(&lit, "a field key cannot be empty"));
        }
        (lit.value(), lit.to_token_stream(), None)
    } else if input.peek(Ident::peek_any) {
        let first = Ident::parse_any(input)?;
        let mut key = first.to_string();
        let mut tokens = first.to_token_stream();
        let mut single = Some(first);
        while input.peek(Token![.]) {
            let dot: Token![.] = input.parse()?;
            if !input.peek(Ident::peek_any) {
                return Err(input.error(format!("expected a key segment after `.`; {FIELD_FORMS}")));
            }
            let segment = Ident::parse_any(input)?;
            key.push('.');
            key.push_str(&segment.to_string());
            dot.to_tokens(&mut tokens);
            segment.to_tokens(&mut tokens);
            single = None;
        }
        (key, tokens, single)
    } else {
        return Err(input.error(format!("expected a field; {FIELD_FORMS}")));
    };

    if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        let sigil = parse_sigil(input)?;
        if input.is_empty() || input.peek(Token![,]) {
            return Err(syn::Error::new_spanned(
                &key_span,
                format!("field `{key}` has no value after `=`; {FIELD_FORMS}"),
            ));
        }
        let value: Expr = input.parse()?;
        return Ok(Field {
            key,
            key_span,
            sigil,
            value,
        });
    }

    match single {
        // `fields(tenant)`: the argument `tenant`, by value.
        Some(ident) if !is_keyword(&ident) => Ok(Field {
            key,
            key_span,
            sigil: Sigil::Value,
            value: ident_expr(ident),
        }),
        _ => Err(syn::Error::new_spanned(
            &key_span,
            format!("field `{key}` needs a value: write `{key} = <expr>`; {FIELD_FORMS}"),
        )),
    }
}

fn is_keyword(ident: &Ident) -> bool {
    syn::parse2::<Ident>(ident.to_token_stream()).is_err()
}

fn ident_expr(ident: Ident) -> Expr {
    Expr::Path(syn::ExprPath {
        attrs: Vec::new(),
        qself: None,
        path: Path::from(ident),
    })
}
