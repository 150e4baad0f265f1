//! Runtime pitfalls worth a warning (spec 001 §10-§11): code that compiles
//! but misbehaves inside the Shadow-DOM runtime. Warnings never fail a build.

use swc_core::common::Span;
use swc_core::ecma::ast::{
    CallExpr, Callee, Expr, ImportDecl, ImportSpecifier, Lit, MemberExpr, MemberProp,
    ModuleExportName, ObjectLit, Prop, PropName, PropOrSpread,
};
use swc_core::ecma::visit::{Visit, VisitWith};

use crate::diagnostic::{Diagnostic, Location};

pub struct Lints<'a> {
    path: &'a str,
    source: &'a str,
    start: u32,
    warnings: Vec<Diagnostic>,
}

impl<'a> Lints<'a> {
    pub fn new(path: &'a str, source: &'a str, start: u32) -> Lints<'a> {
        Lints {
            path,
            source,
            start,
            warnings: Vec::new(),
        }
    }

    pub fn into_warnings(self) -> Vec<Diagnostic> {
        self.warnings
    }

    fn warn(&mut self, span: Span, message: String) {
        let lo = span.lo.0.saturating_sub(self.start) as usize;
        let hi = span.hi.0.saturating_sub(self.start) as usize;
        let location = Location::from_offset(self.path, self.source, lo, hi.saturating_sub(lo));
        self.warnings
            .push(Diagnostic::warning(message, Some(location)));
    }
}

fn key_name(key: &PropName) -> Option<&str> {
    match key {
        PropName::Ident(id) => Some(&id.sym),
        PropName::Str(s) => s.value.as_str(),
        _ => None,
    }
}

impl Visit for Lints<'_> {
    fn visit_import_decl(&mut self, import: &ImportDecl) {
        if import.src.value.as_str() == Some("react-router-dom") {
            for specifier in &import.specifiers {
                if let ImportSpecifier::Named(named) = specifier {
                    let imported = match &named.imported {
                        Some(ModuleExportName::Ident(id)) => id.sym.to_string(),
                        Some(ModuleExportName::Str(s)) => s.value.to_string_lossy().into_owned(),
                        None => named.local.sym.to_string(),
                    };
                    if imported == "BrowserRouter" {
                        self.warn(
                            named.span,
                            "BrowserRouter cannot control the runtime's URL, so no route ever matches: use HashRouter (spec 001 §10-§11)".into(),
                        );
                    }
                }
            }
        }
    }

    fn visit_call_expr(&mut self, call: &CallExpr) {
        if let Callee::Expr(callee) = &call.callee {
            let name = match &**callee {
                Expr::Ident(id) => Some(id.sym.to_string()),
                Expr::Member(MemberExpr {
                    obj,
                    prop: MemberProp::Ident(prop),
                    ..
                }) if matches!(&**obj, Expr::Ident(w) if w.sym == *"window") => {
                    Some(prop.sym.to_string())
                }
                _ => None,
            };
            let advice = match name.as_deref() {
                Some("confirm") => Some("confirm() always returns false inside the Shadow-DOM runtime: confirm with React state (a two-step button or a modal)"),
                Some("alert") => Some("alert() shows nothing inside the Shadow-DOM runtime: use react-hot-toast or an in-app message"),
                Some("prompt") => Some("prompt() returns null inside the Shadow-DOM runtime: ask with a React input or modal"),
                _ => None,
            };
            if let Some(advice) = advice {
                self.warn(call.span, format!("{advice} (spec 001 §11)"));
            }
        }
        call.visit_children_with(self);
    }

    fn visit_object_lit(&mut self, object: &ObjectLit) {
        let mut min_height_100vh = None;
        let mut has_overflow = false;
        for prop in &object.props {
            if let PropOrSpread::Prop(prop) = prop {
                if let Prop::KeyValue(kv) = &**prop {
                    match key_name(&kv.key) {
                        Some("minHeight") => {
                            if matches!(&*kv.value, Expr::Lit(Lit::Str(s)) if s.value.as_str() == Some("100vh"))
                            {
                                min_height_100vh = Some(kv.value_span());
                            }
                        }
                        Some("overflowY" | "overflow") => has_overflow = true,
                        _ => {}
                    }
                }
            }
        }
        if let (Some(span), false) = (min_height_100vh, has_overflow) {
            self.warn(
                span,
                "minHeight: \"100vh\" without overflowY: the runtime's container does not scroll, so content past the first screen is unreachable; use height: \"100vh\" with overflowY: \"auto\" (spec 001 §11)".into(),
            );
        }
        object.visit_children_with(self);
    }
}

trait ValueSpan {
    fn value_span(&self) -> Span;
}

impl ValueSpan for swc_core::ecma::ast::KeyValueProp {
    fn value_span(&self) -> Span {
        swc_core::common::Spanned::span(&*self.value)
    }
}
