//! "Did you mean" suggestions for mistyped names.

/// The candidate closest to `name`, when one is close enough to be a
/// plausible typo (Jaro-Winkler similarity, ties broken alphabetically).
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(f64, &'a str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        let score = strsim::jaro_winkler(name, c);
        let better = match best {
            None => true,
            Some((s, b)) => score > s || (score == s && c < b),
        };
        if better {
            best = Some((score, c));
        }
    }
    best.filter(|&(s, c)| s >= 0.8 || (name.len() > 3 && c.contains(name)))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn suggests_close_names_only() {
        let names = ["cart_reminder", "coupon_20", "welcome"];
        assert_eq!(did_you_mean("cart_remnder", names), Some("cart_reminder"));
        assert_eq!(did_you_mean("welcom", names), Some("welcome"));
        assert_eq!(did_you_mean("xyz", names), None);
    }
}
