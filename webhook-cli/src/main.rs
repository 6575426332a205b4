//! The `webhook` command line tool.

fn main() {}
