use super::*;

#[test]
fn ids_depend_only_on_the_seed() {
    let a = Pbx::new(office(), 7, Profile::Standard).unwrap();
    let b = Pbx::new(office(), 7, Profile::Standard).unwrap();
    let c = Pbx::new(office(), 8, Profile::Standard).unwrap();
    assert_eq!(
        a.core_server().expect("a core server").id,
        b.core_server().expect("a core server").id
    );
    assert_eq!(a.users()["dana"].id, b.users()["dana"].id);
    assert_ne!(
        a.core_server().expect("a core server").id,
        c.core_server().expect("a core server").id
    );
}

#[test]
fn directory_contradictions_are_refused_with_the_names_involved() {
    let mut twice = office();
    twice.extensions.push(twice.extensions[0].clone());
    let err = Pbx::new(twice, 1, Profile::Standard)
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "invalid directory: extension `1001` is configured twice"
    );

    let mut dangling = office();
    dangling.users[0].extensions = vec!["9999".into()];
    let err = Pbx::new(dangling, 1, Profile::Standard)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("`dana` is bound to extension `9999`, which is not configured"),
        "{err}"
    );

    let mut shared = office();
    shared.users[1].extensions = vec!["1001".into()];
    let err = Pbx::new(shared, 1, Profile::Standard)
        .unwrap_err()
        .to_string();
    assert!(err.contains("bound to both `dana` and `desk`"), "{err}");
}

#[test]
fn events_carry_the_ids_rest_serves_and_the_virtual_time() {
    let mut pbx = pbx();
    let events = apply(
        &mut pbx,
        Command::UserLogin {
            user: "dana".into(),
            ip: "10.0.0.25".into(),
            port: 51234,
        },
    );
    let json: serde_json::Value = serde_json::from_str(&events[0].to_json()).unwrap();
    assert_eq!(json["userId"], pbx.users()["dana"].id.as_str());
    assert_eq!(
        json["coreServerId"],
        pbx.core_server().expect("a core server").id.as_str()
    );
    assert_eq!(json["time"], 1_700_000_000_000i64);
    assert_eq!(
        json["userLoginId"],
        pbx.users()["dana"].login.as_ref().unwrap().id.as_str()
    );
}
