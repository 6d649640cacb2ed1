use crate::harness::*;

#[test]
fn add_then_cat_is_byte_identical_and_id_is_sha256sum() {
    let env = Env::new();
    let src = fixture("op-ed-regime-change.txt");
    let ids = env.add(&[src.to_str().unwrap()]);
    assert_eq!(ids, vec![sha256sum(&src)]);
    let cat = env.run(&["cat", &ids[0]]).ok();
    assert_eq!(cat.stdout, std::fs::read(&src).unwrap());
}
