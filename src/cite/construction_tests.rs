//! One test per construction the issue names, on short texts: what a
//! reader of `sources` relies on.

use super::{Sources, extract};
fn outlet<'s>(s: &'s Sources, name: &str) -> Option<&'s super::CitedOutlet> {
    s.outlets.iter().find(|o| o.name == name)
}

fn person<'s>(s: &'s Sources, name: &str) -> Option<&'s super::CitedPerson> {
    s.people.iter().find(|p| p.name == name)
}

fn people_names(s: &Sources) -> Vec<&str> {
    s.people.iter().map(|p| p.name.as_str()).collect()
}

#[test]
fn bloomberg_is_the_outlet_unless_the_text_is_about_michael_bloomberg() {
    let outlet_only = extract("The senator appeared on Bloomberg on Monday to defend the plan.");
    assert!(outlet(&outlet_only, "Bloomberg News").is_some_and(|o| o.cited));
    assert!(outlet_only.people.is_empty(), "{:?}", people_names(&outlet_only));

    let person_only =
        extract("Michael Bloomberg, the former mayor, spoke in Ohio. \"We will win,\" Bloomberg said.");
    assert!(
        outlet(&person_only, "Bloomberg News").is_none(),
        "{:?}",
        person_only.outlets
    );
    let mike = person(&person_only, "Michael Bloomberg").expect("the person");
    assert!(mike.cited);
    assert_eq!(mike.mentions.len(), 2);
}

#[test]
fn the_post_names_an_outlet_only_after_the_text_says_which() {
    let alone = extract("The Post reported on Friday that the talks had stalled.");
    assert!(alone.outlets.is_empty(), "{:?}", alone.outlets);
    let named = extract(
        "The Washington Post reported the deal on Monday. On Friday the Post said the talks had stalled.",
    );
    let post = outlet(&named, "The Washington Post").expect("named in full");
    assert_eq!(post.mentions.len(), 2);
    assert!(post.cited);
}

#[test]
fn urls_in_the_text_name_their_outlet() {
    let s = extract(
        "The op-ed (huffpost.com/entry/regime-change) drew replies; see also https://www.reuters.com/world/x.",
    );
    assert!(outlet(&s, "HuffPost").is_some(), "{:?}", s.outlets);
    assert!(outlet(&s, "Reuters").is_some(), "{:?}", s.outlets);
}

#[test]
fn acronyms_match_only_in_capitals() {
    let s = extract("The AP reported the result, but an ap of that size is rare.");
    let ap = outlet(&s, "Associated Press").expect("AP");
    assert_eq!(ap.mentions.len(), 1);
}

#[test]
fn speaker_before_after_and_inside_a_quote() {
    let s = extract(
        "Senator Ann Ruiz said: “The bill is dead.” “We tried,” said Tom Bell. \
         “It is late,” Ruiz added, “but not too late.”",
    );
    let ruiz = person(&s, "Ann Ruiz").expect("Ruiz");
    let texts: Vec<&str> = ruiz.quotes.iter().map(|q| q.text.as_str()).collect();
    assert_eq!(texts, ["The bill is dead.", "It is late,", "but not too late."]);
    assert_eq!(ruiz.role.as_deref(), Some("Senator"));
    let bell = person(&s, "Tom Bell").expect("Bell");
    assert_eq!(bell.quotes[0].text, "We tried,");
    assert_eq!(bell.quotes[0].cue, "said");
}

#[test]
fn straight_quotes_work_like_curly_ones() {
    let s = extract("\"We will not resign,\" Prime Minister Keir Starmer told reporters.");
    let starmer = person(&s, "Keir Starmer").expect("Starmer");
    assert_eq!(starmer.quotes[0].text, "We will not resign,");
    assert_eq!(starmer.role.as_deref(), Some("Prime Minister"));
}

#[test]
fn a_quote_over_several_paragraphs_is_one_quote_of_one_speaker() {
    let s = extract(
        "Dr. Lena Ortiz wrote: “The first point is simple.\n\n\
         “The second point is harder.\n\n“The third is the hardest of all.”\n\nLater that day, the vote passed.",
    );
    let ortiz = person(&s, "Lena Ortiz").expect("Ortiz");
    assert_eq!(ortiz.quotes.len(), 1, "{:?}", ortiz.quotes);
    assert!(ortiz.quotes[0].text.ends_with("the hardest of all."));
}

#[test]
fn pronouns_go_to_the_last_person_named_outside_quotes_who_fits() {
    let s = extract(
        "Maria Lopez met Mr. Daniel Kim in Geneva. “Ms. Farah Noor agreed with us,” he said. \
         She concludes: “The deal holds.”",
    );
    let kim = person(&s, "Daniel Kim").expect("Kim");
    assert_eq!(kim.quotes[0].text, "Ms. Farah Noor agreed with us,");
    let lopez = person(&s, "Maria Lopez").expect("Lopez");
    assert_eq!(
        lopez.quotes[0].text, "The deal holds.",
        "not Noor, named inside a quote"
    );
    assert!(!person(&s, "Farah Noor").expect("named").cited);
}

#[test]
fn reported_speech_cites_its_subject() {
    for (text, who, cue) in [
        (
            "Jane Okafor said that the bill would pass.",
            "Jane Okafor",
            "said",
        ),
        (
            "Jane Okafor announced a new inquiry into the fire.",
            "Jane Okafor",
            "announced",
        ),
        (
            "Mrs. Jane Okafor, in a speech in Lagos, opined that the plan had failed.",
            "Jane Okafor",
            "opined",
        ),
        (
            "Jane Okafor told Reuters the plan had failed.",
            "Jane Okafor",
            "told",
        ),
        (
            "According to Jane Okafor, the plan had failed.",
            "Jane Okafor",
            "According to",
        ),
        ("The plan had failed, said Jane Okafor.", "Jane Okafor", "said"),
    ] {
        let s = extract(text);
        let p = person(&s, who).unwrap_or_else(|| panic!("{who} in {text:?}: {:?}", people_names(&s)));
        assert!(p.cited, "{text:?}");
        assert_eq!(p.quotes[0].cue, cue, "{text:?}");
    }
}

#[test]
fn outlets_are_cited_where_their_content_is_reported() {
    for (text, name) in [
        (
            "According to the Washington Times, the sanctions start today.",
            "The Washington Times",
        ),
        (
            "Rafael Diaz wrote in The Guardian that the law was flawed.",
            "The Guardian",
        ),
        ("In an interview with CNN, the minister denied it.", "CNN"),
        (
            "The mayor appeared on Fox News Sunday to defend the budget.",
            "Fox News",
        ),
        (
            "The Associated Press reported that the polls had closed.",
            "Associated Press",
        ),
        ("Ellen Park told Reuters the deal was off.", "Reuters"),
    ] {
        let s = extract(text);
        let o = outlet(&s, name).unwrap_or_else(|| panic!("{name} in {text:?}: {:?}", s.outlets));
        assert!(o.cited, "{text:?}");
    }
    let named = extract("She once worked for the Washington Times before joining a bank.");
    assert!(!outlet(&named, "The Washington Times").expect("named").cited);
}

#[test]
fn according_to_an_outlet_makes_the_sentence_its_claim() {
    let s = extract("Donald Trump is announcing new sanctions on Iran, according to the Washington Times.");
    assert!(outlet(&s, "The Washington Times").is_some_and(|o| o.cited));
    assert!(!person(&s, "Donald Trump").expect("named").cited);
}

#[test]
fn one_person_under_every_form_with_the_fullest_name_and_the_role_apart() {
    let s = extract(
        "Iranian opposition leader Mrs. Maryam Rajavi spoke in Paris. Mrs. Rajavi said the regime \
         would fall. Rajavi has said so before.",
    );
    assert_eq!(people_names(&s), ["Maryam Rajavi"]);
    let rajavi = &s.people[0];
    assert_eq!(rajavi.mentions.len(), 3);
    assert_eq!(rajavi.mentions[0].text, "Maryam Rajavi");
}

#[test]
fn organisations_places_titles_outlets_days_and_months_are_not_people() {
    let s = extract(
        "Monday. The Revolutionary Guards said Tehran would respond. Hezbollah said nothing. \
         In Tirana, the Ayatollah and the Shah were mentioned. May brought rain. \
         Reuters said the Kremlin agreed. On Tuesday, Google said it would appeal.",
    );
    assert!(s.people.is_empty(), "{:?}", people_names(&s));
}

#[test]
fn roles_are_kept_apart_from_names() {
    let s = extract(
        "Secretary of State Rex Tillerson met Syrian dictator, Bashar Assad. \
         Abdolsamad Khoramabadi, the regime's deputy public prosecutor, said the sites were dangerous.",
    );
    assert_eq!(
        person(&s, "Rex Tillerson").and_then(|p| p.role.as_deref()),
        Some("Secretary of State")
    );
    assert_eq!(
        person(&s, "Bashar Assad").and_then(|p| p.role.as_deref()),
        Some("Syrian dictator")
    );
    assert_eq!(
        person(&s, "Abdolsamad Khoramabadi").and_then(|p| p.role.as_deref()),
        Some("the regime's deputy public prosecutor")
    );
}

#[test]
fn a_refusal_to_comment_cites_nobody() {
    let s = extract("Sen. Mitch McConnell declined to comment. Jane Okafor did not respond to questions.");
    assert!(s.people.iter().all(|p| !p.cited), "{:?}", s.people);
}

#[test]
fn a_title_in_quotes_is_not_a_quotation() {
    let s = extract("Speaking on “State of the Union,” Greta Lind called the bill “a waste.”");
    let lind = person(&s, "Greta Lind").expect("Lind");
    let texts: Vec<&str> = lind.quotes.iter().map(|q| q.text.as_str()).collect();
    assert_eq!(texts, ["a waste."]);
}

#[test]
fn a_pronoun_after_a_quote_prefers_the_subject_of_the_sentence_before() {
    let s =
        extract("President Volodymyr Zelenskyy thanked Joe Biden in a post. “We are grateful,” he wrote.");
    assert_eq!(
        person(&s, "Volodymyr Zelenskyy").expect("Zelenskyy").quotes.len(),
        1
    );
    assert!(!person(&s, "Joe Biden").expect("Biden").cited);
}

#[test]
fn party_and_state_abbreviations_are_not_people() {
    let s = extract("Sen. Chuck Schumer, D-N.Y., the majority leader, said the Senate would act.");
    assert_eq!(people_names(&s), ["Chuck Schumer"]);
    assert!(s.people[0].cited);
}

#[test]
fn a_company_or_a_relative_clause_as_subject_cites_nobody_named() {
    let s = extract(
        "SAN FRANCISCO (Reuters) - Tesla Inc said on Wednesday it would cut prices. \
         Fox News host Sean Hannity interviewed the former president, who said he would run again.",
    );
    assert!(!outlet(&s, "Reuters").expect("dateline").cited);
    assert!(!person(&s, "Sean Hannity").expect("Hannity").cited);
}

#[test]
fn a_journalist_reporting_cites_the_outlet_too() {
    let s = extract("CNN's Jake Tapper reported the talks had collapsed, citing two sources.");
    assert!(outlet(&s, "CNN").expect("CNN").cited);
    assert!(person(&s, "Jake Tapper").expect("Tapper").cited);
}

#[test]
fn credits_name_people() {
    let s = extract("The deal was signed.\n\nReporting by Hyunjoo Jin; Editing by Sandra Maler");
    assert_eq!(people_names(&s), ["Hyunjoo Jin", "Sandra Maler"]);
    assert!(s.people.iter().all(|p| !p.cited));
}

#[test]
fn a_role_that_opens_a_sentence_stands_where_a_title_does() {
    let s = extract("Economist Priya Raman told the BBC that a strike could shave a point off growth.");
    let raman = person(&s, "Priya Raman").expect("the person, without the role word");
    assert!(raman.cited);
    assert_eq!(raman.role.as_deref(), Some("Economist"));
}

#[test]
fn an_inverted_speaker_may_be_followed_by_where_they_spoke() {
    let s = extract(
        "\"We were asked to accept a pay cut,\" said Dana Whitfield, the union's general secretary, \
         outside the authority's offices.",
    );
    assert!(
        person(&s, "Dana Whitfield").is_some_and(|p| p.cited),
        "{:?}",
        s.people
    );
}
