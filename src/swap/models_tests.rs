//! Model-scoped limits through the engine, over the fake fleet of `swap_tests`.

use super::*;

fn with_model(id: &str, account: &str, model: Option<&str>) -> SavedPane {
    let mut p = pane(id, account);
    p.args = model.map(|m| vec!["--model".to_string(), m.to_string()]);
    p
}

fn opus_limit(w: &World, account: &str, mins: i64) -> Trigger {
    Trigger::Limit {
        account: account.into(),
        until: Some(w.later(mins)),
        text: "You've hit your Opus limit · resets 3pm".into(),
        auth: false,
        model: Some("opus".into()),
    }
}

#[test]
fn an_opus_limit_moves_the_opus_panes_and_leaves_the_others_and_the_pointer() {
    let w = world(2);
    let fleet = FakeFleet::new(vec![
        with_model("%1", "a0", Some("opus")),
        with_model("%2", "a0", Some("sonnet")),
        with_model("%3", "a0", None), // model unknown: moves, a pane left at a limit would stop
        with_model("%4", "a1", Some("opus")),
    ]);
    let out = w.engine(&fleet).run(opus_limit(&w, "a0", 600)).unwrap();
    let Outcome::Moved { from, to, model, relaunched, .. } = out else { panic!("{out:?}") };
    assert_eq!((from.as_str(), to.as_str(), model.as_str()), ("a0", "a1", "opus"));
    assert_eq!(relaunched.len(), 2);
    assert_eq!(fleet.relaunched(), vec![("%1".into(), "a1".into()), ("%3".into(), "a1".into())]);
    // Not an account swap: ~/.claude stays, the account is not exhausted, nothing to return to.
    assert_eq!(w.pointer(), Pointer::Account("a0".into()));
    let st = w.store.load().unwrap();
    assert!(!st.account("a0").exhausted_at(w.now()));
    assert!(st.account("a0").model_exhausted_at("opus", w.now()));
    assert!(!st.account("a0").model_exhausted_at("sonnet", w.now()));
    assert!(st.last_swap.is_none() && st.return_to.is_none());
}

#[test]
fn the_target_must_have_the_model_left_and_no_pane_of_that_model_means_no_move() {
    let w = world(3);
    w.edit(|s| {
        s.account_mut("a1").models.insert("opus".into(), w.later(60));
    });
    let fleet = FakeFleet::new(vec![with_model("%1", "a0", Some("opus"))]);
    let out = w.engine(&fleet).run(opus_limit(&w, "a0", 600)).unwrap();
    let Outcome::Moved { to, .. } = out else { panic!("{out:?}") };
    assert_eq!(to, "a2", "a1 has no Opus left");

    // Only Sonnet panes: the limit is recorded, nothing moves.
    let w = world(2);
    let fleet = FakeFleet::new(vec![with_model("%1", "a0", Some("sonnet"))]);
    let out = w.engine(&fleet).run(opus_limit(&w, "a0", 600)).unwrap();
    assert!(matches!(out, Outcome::Skipped(ref why) if why.contains("no pane")), "{out:?}");
    assert!(fleet.relaunched().is_empty());

    // Every other account is out of Opus too: the panes stay, said so.
    let w = world(2);
    w.edit(|s| {
        s.account_mut("a1").models.insert("opus".into(), w.later(60));
    });
    let fleet = FakeFleet::new(vec![with_model("%1", "a0", Some("opus"))]);
    let out = w.engine(&fleet).run(opus_limit(&w, "a0", 600)).unwrap();
    assert!(matches!(out, Outcome::Skipped(ref why) if why.contains("no other account")), "{out:?}");
}

#[test]
fn a_limit_on_an_account_that_is_not_active_moves_its_panes_on_without_a_flip() {
    // %1 was moved to a1 by an Opus limit; now a1's own 5-hour limit comes.
    let w = world(3);
    let fleet = FakeFleet::new(vec![with_model("%1", "a1", Some("opus")), with_model("%2", "a0", Some("sonnet"))]);
    let out = w.engine(&fleet).run(w.limit("a1", 60)).unwrap();
    let Outcome::Moved { from, to, relaunched, .. } = out else { panic!("{out:?}") };
    assert_eq!((from.as_str(), to.as_str(), relaunched), ("a1", "a0", vec!["%1".to_string()]));
    assert_eq!(w.pointer(), Pointer::Account("a0".into()), "the active account stays");
    assert!(w.store.load().unwrap().account("a1").exhausted_at(w.now()));
}

#[test]
fn with_switch_model_the_panes_stay_on_their_account_on_that_model() {
    let mut w = world(2);
    w.cfg.swap.switch_model = Some("sonnet".into());
    let mut own = with_model("%1", "a0", Some("opus"));
    own.args = Some(vec!["--add-dir".into(), "/x".into(), "--model=opus".into()]);
    let fleet = FakeFleet::new(vec![own, with_model("%2", "a0", Some("sonnet"))]);
    let out = w.engine(&fleet).run(opus_limit(&w, "a0", 600)).unwrap();
    let Outcome::Moved { from, to, .. } = out else { panic!("{out:?}") };
    assert_eq!((from.as_str(), to.as_str()), ("a0", "a0"));
    assert_eq!(fleet.relaunched(), vec![("%1".into(), "a0".into())], "the sonnet pane is not touched");
    let st = w.store.load().unwrap();
    let args = st.panes["%1"].args.clone().unwrap();
    assert_eq!(args, ["--model", "sonnet", "--add-dir", "/x"], "its own --model replaced, its other flags kept");
    assert_eq!(w.pointer(), Pointer::Account("a0".into()));
    // An Opus limit with switch_model = "opus" itself: nothing to switch to, so the panes move.
    let mut w = world(2);
    w.cfg.swap.switch_model = Some("claude-opus-4-5".into());
    let fleet = FakeFleet::new(vec![with_model("%1", "a0", Some("opus"))]);
    let out = w.engine(&fleet).run(opus_limit(&w, "a0", 600)).unwrap();
    assert!(matches!(out, Outcome::Moved { ref to, .. } if to == "a1"), "{out:?}");
}
