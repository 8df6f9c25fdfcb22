//! The Data Quality Definition Language: its syntax tree, rule-type catalogue, parser and printer.

pub mod ast;
pub mod catalogue;
pub mod condition;
mod lexer;
mod parser;
mod printer;

pub(crate) use parser::parse_document;
