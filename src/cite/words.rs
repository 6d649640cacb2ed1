//! The closed word classes the citation rules rely on: honorifics, titles,
//! role nouns, reporting verbs, function words. Open classes (given names,
//! places, organisations, outlets, the English vocabulary) are data files
//! under data/, loaded by [`super::lexicon`].

use std::collections::HashSet;
use std::sync::OnceLock;

/// Words of address that precede a name and are not part of it. The second
/// field is the gender they imply ('m', 'f' or 'u').
pub const HONORIFICS: &[(&str, char)] = &[
    ("mr", 'm'),
    ("mrs", 'f'),
    ("ms", 'f'),
    ("miss", 'f'),
    ("dr", 'u'),
    ("prof", 'u'),
    ("sir", 'm'),
    ("dame", 'f'),
    ("lord", 'm'),
    ("lady", 'f'),
    ("mme", 'f'),
    ("mlle", 'f'),
    ("messrs", 'm'),
    ("madam", 'f'),
    ("monsieur", 'm'),
    ("madame", 'f'),
    ("herr", 'm'),
    ("frau", 'f'),
];

/// Capitalised titles that stand before a name ("Senator John McCain",
/// "Ayatollah Khomeini"): kept as the person's role, never as the name.
/// Gender where the title implies one.
pub const TITLES: &[(&str, char)] = &[
    ("president", 'u'),
    ("vice", 'u'),
    ("senator", 'u'),
    ("sen", 'u'),
    ("sens", 'u'),
    ("representative", 'u'),
    ("rep", 'u'),
    ("reps", 'u'),
    ("congressman", 'm'),
    ("congresswoman", 'f'),
    ("congressmember", 'u'),
    ("governor", 'u'),
    ("gov", 'u'),
    ("mayor", 'u'),
    ("minister", 'u'),
    ("prime", 'u'),
    ("premier", 'u'),
    ("chancellor", 'u'),
    ("secretary", 'u'),
    ("ambassador", 'u'),
    ("envoy", 'u'),
    ("commissioner", 'u'),
    ("director", 'u'),
    ("chairman", 'm'),
    ("chairwoman", 'f'),
    ("chair", 'u'),
    ("chairperson", 'u'),
    ("speaker", 'u'),
    ("leader", 'u'),
    ("deputy", 'u'),
    ("assistant", 'u'),
    ("attorney", 'u'),
    ("general", 'u'),
    ("gen", 'u'),
    ("lieutenant", 'u'),
    ("lt", 'u'),
    ("colonel", 'u'),
    ("col", 'u'),
    ("major", 'u'),
    ("maj", 'u'),
    ("captain", 'u'),
    ("capt", 'u'),
    ("sergeant", 'u'),
    ("sgt", 'u'),
    ("corporal", 'u'),
    ("private", 'u'),
    ("admiral", 'u'),
    ("adm", 'u'),
    ("commander", 'u'),
    ("cmdr", 'u'),
    ("marshal", 'u'),
    ("brigadier", 'u'),
    ("field", 'u'),
    ("judge", 'u'),
    ("justice", 'u'),
    ("magistrate", 'u'),
    ("prosecutor", 'u'),
    ("detective", 'u'),
    ("det", 'u'),
    ("inspector", 'u'),
    ("officer", 'u'),
    ("sheriff", 'u'),
    ("constable", 'u'),
    ("agent", 'u'),
    ("professor", 'u'),
    ("dean", 'u'),
    ("coach", 'u'),
    ("ayatollah", 'm'),
    ("grand", 'u'),
    ("hojatoleslam", 'm'),
    ("sheikh", 'm'),
    ("sheik", 'm'),
    ("shaykh", 'm'),
    ("imam", 'm'),
    ("mullah", 'm'),
    ("mufti", 'm'),
    ("rabbi", 'u'),
    ("reverend", 'u'),
    ("rev", 'u'),
    ("pastor", 'u'),
    ("father", 'm'),
    ("brother", 'm'),
    ("sister", 'f'),
    ("bishop", 'u'),
    ("archbishop", 'u'),
    ("cardinal", 'm'),
    ("pope", 'm'),
    ("patriarch", 'm'),
    ("king", 'm'),
    ("queen", 'f'),
    ("prince", 'm'),
    ("princess", 'f'),
    ("crown", 'u'),
    ("emperor", 'm'),
    ("empress", 'f'),
    ("emir", 'm'),
    ("sultan", 'm'),
    ("sheikha", 'f'),
    ("tsar", 'm'),
    ("czar", 'm'),
    ("shah", 'm'),
    ("duke", 'm'),
    ("duchess", 'f'),
    ("earl", 'm'),
    ("baron", 'm'),
    ("baroness", 'f'),
    ("count", 'm'),
    ("countess", 'f'),
    ("first", 'u'),
    ("former", 'u'),
    ("acting", 'u'),
    ("interim", 'u'),
    ("supreme", 'u'),
    ("chief", 'u'),
    ("executive", 'u'),
    ("spokesman", 'm'),
    ("spokeswoman", 'f'),
    ("spokesperson", 'u'),
    ("councillor", 'u'),
    ("councilman", 'm'),
    ("councilwoman", 'f'),
    ("councilmember", 'u'),
    ("alderman", 'u'),
    ("lawmaker", 'u'),
    ("legislator", 'u'),
    ("delegate", 'u'),
    ("mp", 'u'),
    ("mep", 'u'),
    ("ceo", 'u'),
    ("cfo", 'u'),
    ("coo", 'u'),
    ("founder", 'u'),
    ("co-founder", 'u'),
    ("president-elect", 'u'),
    ("vice-president", 'u'),
    ("secretary-general", 'u'),
    ("ex-president", 'u'),
    ("dictator", 'u'),
    ("comrade", 'u'),
    ("nurse", 'u'),
    ("doctor", 'u'),
    ("principal", 'u'),
    ("superintendent", 'u'),
    ("supt", 'u'),
    ("insp", 'u'),
    ("pres", 'u'),
    ("sec", 'u'),
    ("atty", 'u'),
    ("mr", 'm'),
];

/// Words that may sit between title words ("Secretary of State", "Minister
/// for Foreign Affairs", "Chief of Staff") and the portfolio words after
/// them: together they are a role, never a name.
#[rustfmt::skip]
pub static PORTFOLIO: WordSet = WordSet::new(&[
    "state", "defense", "defence", "foreign", "affairs", "interior", "home", "justice", "health",
    "education", "finance", "treasury", "energy", "commerce", "labor", "labour", "agriculture",
    "transportation", "transport", "veterans", "homeland", "security", "staff", "house", "senate", "army",
    "navy", "air", "force", "economy", "trade", "culture", "environment", "housing", "intelligence", "war",
    "exchequer", "majority", "minority", "national", "federal", "chief", "general", "deputy",
    "foreign-affairs", "development", "industry", "communications", "information", "immigration", "public",
    "works", "operations", "naval", "joint", "chiefs", "the", "and", "for", "of", "elect", "designate",
    "emeritus", "assembly", "council", "court", "police", "party", "opposition", "resistance", "republican",
    "democratic", "democrat", "conservative", "liberal", ]);

/// Lower-case nouns that name a person's role: "the head of", "Syrian
/// dictator", "the company's chief executive", "Rouhani the imposter".
#[rustfmt::skip]
pub static ROLE_NOUNS: WordSet = WordSet::new(&[
    "president", "senator", "representative", "congressman", "congresswoman", "governor", "mayor",
    "minister", "premier", "chancellor", "secretary", "ambassador", "envoy", "diplomat", "commissioner",
    "director", "chairman", "chairwoman", "chair", "chairperson", "speaker", "leader", "head", "chief",
    "deputy", "attorney", "lawyer", "prosecutor", "judge", "justice", "general", "colonel", "commander",
    "officer", "official", "spokesman", "spokeswoman", "spokesperson", "adviser", "advisor", "aide",
    "analyst", "expert", "economist", "scientist", "researcher", "professor", "lecturer", "scholar",
    "historian", "author", "writer", "novelist", "poet", "journalist", "reporter", "correspondent",
    "editor", "columnist", "commentator", "broadcaster", "anchor", "host", "presenter", "blogger",
    "activist", "campaigner", "advocate", "dissident", "critic", "opponent", "supporter", "founder",
    "co-founder", "owner", "executive", "ceo", "manager", "entrepreneur", "investor", "billionaire",
    "businessman", "businesswoman", "banker", "chef", "actor", "actress", "singer", "rapper", "musician",
    "artist", "producer", "filmmaker", "designer", "architect", "engineer", "doctor",
    "physician", "surgeon", "nurse", "psychologist", "psychiatrist", "epidemiologist", "virologist",
    "physicist", "chemist", "biologist", "astronomer", "mathematician", "philosopher", "theologian",
    "cleric", "ayatollah", "imam", "rabbi", "priest", "pastor", "bishop", "pope", "monk", "nun", "student",
    "teacher", "principal", "coach", "player", "striker", "goalkeeper", "midfielder", "defender", "captain",
    "athlete", "champion", "boxer", "runner", "driver", "pilot", "soldier", "veteran", "lawmaker",
    "legislator", "politician", "candidate", "nominee", "incumbent", "challenger", "dictator", "autocrat",
    "strongman", "ruler", "monarch", "king", "queen", "prince", "princess", "emir", "sultan", "sheikh",
    "tycoon", "mogul", "magnate", "murderer", "killer", "imposter", "impostor", "terrorist", "militant",
    "warlord", "fugitive", "suspect", "defendant", "plaintiff", "victim", "witness",
    "survivor", "whistleblower", "insider", "source", "strategist", "pollster", "consultant", "lobbyist",
    "organiser", "organizer", "coordinator", "fellow", "member", "mother", "father", "wife", "husband",
    "son", "daughter", "brother", "sister", "widow", "widower", "grandmother", "grandfather", "uncle",
    "aunt", "cousin", "nephew", "niece", "partner", "girlfriend", "boyfriend", "fiance", "fiancee",
    "friend", "colleague", "rival", "successor", "predecessor", "mentor", "protege", "assistant",
    "secretary-general", "president-elect", "vice-president", "tsar", "czar", "shah", "mullah",
    "preacher", "evangelist", "resident", "citizen", "farmer", "worker", "employee", "curator", "librarian", "photographer", "cameraman", "podcaster", "influencer", "youtuber", "comedian",
    "dancer", "model", "mp", "mep", "councillor", "councilman", "councilwoman", "sheriff", "detective",
    "inspector", "agent", "spy", "hacker", "investigator", "auditor", "regulator", "governor-general",
    "treasurer", "registrar",
]);

/// The forms of reporting verbs: a subject, or a speaker after a quote,
/// is cited when one of these is its verb.
#[rustfmt::skip]
pub static SPEECH_VERBS: WordSet = WordSet::new(&[
    "say", "says", "said", "saying", "tell", "tells", "told", "telling", "write", "writes", "wrote",
    "written", "writing", "add", "adds", "added", "adding", "announce", "announces", "announced",
    "announcing", "opine", "opines", "opined", "opining", "state", "states", "stated", "stating", "declare",
    "declares", "declared", "declaring", "claim", "claims", "claimed", "claiming", "argue", "argues",
    "argued", "arguing", "insist", "insists", "insisted", "insisting", "note", "notes", "noted", "noting",
    "explain", "explains", "explained", "explaining", "warn", "warns", "warned", "warning", "assert",
    "asserts", "asserted", "asserting", "suggest", "suggests", "suggested", "suggesting", "acknowledge",
    "acknowledges", "acknowledged", "acknowledging", "admit", "admits", "admitted", "admitting", "conclude",
    "concludes", "concluded", "concluding", "recall", "recalls", "recalled", "recalling", "report",
    "reports", "reported", "reporting", "reveal", "reveals", "revealed", "revealing", "confirm", "confirms",
    "confirmed", "confirming", "deny", "denies", "denied", "denying", "predict", "predicts", "predicted",
    "predicting", "tweet", "tweets", "tweeted", "tweeting", "post", "posts", "posted", "posting", "accuse",
    "accuses", "accused", "accusing", "allege", "alleges", "alleged", "alleging", "comment", "comments",
    "commented", "commenting", "remark", "remarks", "remarked", "remarking", "observe", "observes",
    "observed", "observing", "stress", "stresses", "stressed", "stressing", "emphasize", "emphasizes",
    "emphasized", "emphasizing", "emphasise", "emphasises", "emphasised", "emphasising", "urge", "urges",
    "urged", "urging", "ask", "asks", "asked", "asking", "answer", "answers", "answered", "answering",
    "reply", "replies", "replied", "replying", "respond", "responds", "responded", "responding", "contend",
    "contends", "contended", "contending", "testify", "testifies", "testified", "testifying", "maintain",
    "maintains", "maintained", "maintaining", "continue", "continues", "continued", "continuing", "exclaim",
    "exclaims", "exclaimed", "shout", "shouts", "shouted", "whisper", "whispered", "joke", "joked", "jokes",
    "quip", "quipped", "quips", "boast", "boasted", "boasts", "complain", "complained", "complains",
    "lament", "lamented", "laments", "concede", "conceded", "concedes", "vow", "vowed", "vows", "promise",
    "promised", "promises", "pledge", "pledged", "pledges", "threaten", "threatened", "threatens", "demand",
    "demanded", "demands", "describe", "described", "describes", "describing", "characterize",
    "characterized", "call", "called", "calls", "speak", "spoke", "speaks", "speaking", "spoken", "mention",
    "mentioned", "mentions", "estimate", "estimated", "estimates", "find", "found", "finds", "publish",
    "published", "publishes", "broadcast", "broadcasts", "aired", "airs", "quote", "quoted", "quotes",
    "quoting", "cite", "cited", "cites", "citing", "believe", "believes", "believed", "think",
    "thinks", "thought", "hint", "hinted", "hints", "signal", "signaled", "signalled", "signals",
    "indicate", "indicated", "indicates", "reiterate", "reiterated", "reiterates", "informed",
    "inform", "informs", "disclose", "disclosed", "discloses", "retort", "retorted", "counter", "countered",
    "agree", "agreed", "agrees", "disagree", "disagreed", "object", "objected", "protest", "protested",
    "theorize", "theorized", "posit", "posited", "muse", "mused", "wonder", "wondered",
    "forecast", "forecasts", "caution", "cautioned", "cautions", "advise", "advised", "advises",
    "recount", "recounted", "recounts", "elaborate", "elaborated", "clarify", "clarified",
]);

/// Verbs whose meaning is speech only with a clause, a quote or a colon
/// after them ("believed that ...", not "believed him"; "found that ...",
/// not "found the body"). Their bare use is no citation.
#[rustfmt::skip]
pub static CLAUSE_ONLY_VERBS: WordSet = WordSet::new(&[
    "believe", "believes", "believed", "think", "thinks", "thought", "find", "found", "finds", "call",
    "called", "calls", "continue", "continues", "continued", "continuing", "post", "posts", "posted",
    "posting", "agree", "agreed", "agrees", "disagree", "disagreed", "object", "objected", "protest",
    "protested", "speak", "spoke", "speaks", "speaking", "spoken", "ask", "asks", "asked", "asking",
    "answer", "answered", "answers", "answering", "estimate", "estimated", "estimates", "indicate",
    "indicated", "indicates", "signal", "signaled", "signalled", "signals", "hint", "hinted", "hints",
    "promise", "promised", "promises", "demand", "demanded", "demands", "publish", "published", "publishes",
    "broadcast", "broadcasts", "aired", "airs", "threaten", "threatened", "threatens", "pledge", "pledged",
    "pledges", "vow", "vowed", "vows", "note", "notes", "noted", "noting", "observe", "observed",
    "observes", "observing", "mention", "mentioned", "mentions", "inform", "informed", "informs", "counter",
    "countered", "urge", "urges", "urged", "urging", "cite", "cited", "cites", "citing", "quote", "quoted",
    "quotes", "quoting", "accuse", "accuses", "accused", "accusing", "wonder", "wondered", "muse", "mused", "advise", "advised", "advises", "caution",
    "cautioned", "cautions",
]);

/// Nouns after an outlet that make its content reported: "a Washington
/// Post investigation found", "an opinion piece in Huffington Post".
#[rustfmt::skip]
pub static PUBLICATION_NOUNS: WordSet = WordSet::new(&[
    "report", "reports", "reporting", "article", "articles", "story", "stories", "piece", "op-ed", "oped",
    "editorial", "column", "columns", "opinion", "commentary", "essay", "interview", "interviews",
    "investigation", "analysis", "poll", "survey", "documentary", "broadcast", "segment", "episode",
    "podcast", "video", "post", "posts", "tweet", "tweets", "feature", "exclusive", "review", "headline",
    "headlines", "dispatch", "bulletin", "newsletter", "programme", "program", "show", "footage",
    "reporter", "reporters", "correspondent", "correspondents", "journalist", "journalists", "columnist",
    "editor", "editors", "anchor", "host", "letter", "blog", "channel", "account", "page", "message",
    "messages", "statement", "update", "livestream", "stream", "clip",
]);

/// Lower-case nouns after a name that make it a person: "the Trump
/// administration", "the Assad regime".
#[rustfmt::skip]
pub static PERSON_LED_NOUNS: WordSet = WordSet::new(&[
    "administration", "administrations", "presidency", "campaign", "regime", "government", "cabinet", "era",
    "years", "family", "aides", "aide", "allies", "loyalists", "supporters", "spokesman", "spokeswoman",
    "spokesperson", "doctrine", "impeachment", "estate", "memoir", "biography", "premiership", "tenure",
    "camp", "dynasty",
]);

/// Nouns after a possessive name that make it a person: "Khomeini's
/// henchmen", "Rajavi's speech".
#[rustfmt::skip]
pub static POSSESSED_BY_PERSON: WordSet = WordSet::new(&[
    "wife", "husband", "son", "sons", "daughter", "daughters", "father", "mother", "brother", "sister",
    "family", "children", "parents", "widow", "grandson", "granddaughter", "uncle", "aunt", "nephew",
    "niece", "cousin", "lawyer", "lawyers", "attorney", "attorneys", "spokesman", "spokeswoman",
    "spokesperson", "aides", "aide", "adviser", "advisers", "advisor", "advisors", "henchmen", "loyalists",
    "allies", "supporters", "followers", "administration", "government", "regime", "rule", "reign",
    "presidency", "premiership", "tenure", "campaign", "speech", "speeches", "remarks", "comments",
    "statement", "statements", "words", "death", "funeral", "birth", "life", "career", "body", "health",
    "arrest", "trial", "conviction", "execution", "assassination", "murder", "election", "victory",
    "defeat", "resignation", "successor", "predecessor", "despotism", "dictatorship", "memoir", "memoirs",
    "book", "novel", "lawsuit", "candidacy", "nomination", "cabinet", "office", "team", "friend", "friends",
    "rival", "rivals", "critics", "opponents", "views", "policy", "policies", "legacy", "fatwa", "letter",
    "tweet", "tweets", "post", "posts", "interview", "testimony", "departure", "return", "visit", "trip",
    "hometown", "birthday", "mansion", "home", "house", "estate",
]);

/// Function words: never part of a name, whatever their case.
#[rustfmt::skip]
pub static STOP_WORDS: WordSet = WordSet::new(&[
    "a", "an", "the", "and", "or", "but", "nor", "so", "yet", "for", "of", "in", "on", "at", "by", "to",
    "from", "with", "without", "into", "onto", "upon", "about", "above", "below", "over", "under", "after",
    "before", "since", "until", "during", "through", "across", "against", "among", "between", "behind",
    "beyond", "near", "off", "out", "up", "down", "via", "per", "as", "than", "like", "if", "when", "while",
    "where", "whereas", "because", "although", "though", "unless", "whether", "that", "this", "these",
    "those", "there", "here", "it", "its", "he", "she", "they", "we", "you", "i", "me", "him", "her",
    "them", "us", "my", "your", "his", "our", "their", "who", "whom", "whose", "which", "what", "why",
    "how", "all", "any", "each", "every", "some", "no", "not", "is", "are", "was", "were", "be", "been",
    "being", "has", "have", "had", "do", "does", "did", "will", "would", "shall", "should", "can", "could",
    "may", "might", "must", "also", "only", "just", "even", "then", "now", "very", "more", "most", "such",
    "both", "either", "neither", "one", "two", "three", "ago", "yes", "please", "thanks", "thank", "dear",
    "hello", "hi", "oh", "mon", "tue", "wed", "thu", "fri", "sat", "sun", "outside", "inside", "within",
    "amid", "despite", "around", "toward", "towards", "throughout", "along", "beside", "ahead",
]);

/// Days and months: capitalised, never people.
#[rustfmt::skip]
pub static CALENDAR: WordSet = WordSet::new(&[
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february",
    "april", "may", "june", "july", "august", "september", "october", "november", "december", "jan", "feb",
    "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "christmas", "easter", "ramadan",
    "eid", "hanukkah", "diwali", "thanksgiving", "nowruz",
]);

/// Words that end the name of an organisation, a place or an event: a
/// capitalised run ending in one is not a person.
#[rustfmt::skip]
pub static NON_PERSON_HEADS: WordSet = WordSet::new(&[
    "dam", "bar", "inn", "pub", "tavern", "restaurant", "cafe", "café", "hotel", "quay", "wharf", "shop",
    "store", "mall", "spot", "university", "college", "school", "academy", "institute", "institution",
    "foundation", "fund", "trust", "council", "committee", "commission", "agency", "authority", "board",
    "bureau", "office", "department", "ministry", "directorate", "administration", "service", "services",
    "party", "union", "league", "alliance", "association", "federation", "confederation", "coalition",
    "front", "movement", "organization", "organisation", "society", "club", "team", "group", "company",
    "corporation", "corp", "inc", "ltd", "llc", "plc", "co", "bank", "exchange", "market", "markets",
    "court", "tribunal", "parliament", "congress", "senate", "assembly", "house", "church", "mosque",
    "synagogue", "cathedral", "hospital", "clinic", "center", "centre", "museum", "library", "gallery",
    "theatre", "theater", "stadium", "arena", "airport", "station", "port", "street", "avenue", "road",
    "boulevard", "square", "bridge", "tower", "building", "palace", "castle", "river", "sea", "ocean",
    "island", "islands", "mountain", "mountains", "valley", "desert", "forest", "county", "province",
    "state", "states", "city", "district", "region", "republic", "kingdom", "empire", "emirates",
    "army", "navy", "force", "forces", "guard", "guards", "corps", "brigade", "brigades",
    "battalion", "regiment", "division", "police", "militia", "revolution", "war", "crisis", "summit",
    "conference", "forum", "festival", "games", "cup", "championship", "olympics", "prize", "award",
    "awards", "act", "bill", "agreement", "accord", "accords", "treaty", "deal", "doctrine", "plan",
    "project", "program", "programme", "initiative", "fellowship", "network", "channel", "news", "times",
    "post", "journal", "magazine", "review", "press", "media", "studios", "records", "pictures",
    "entertainment", "airlines", "airways", "motors", "industries", "holdings", "partners", "capital",
    "energy", "systems", "technologies", "labs", "laboratory", "laboratories", "reserve", "treasury",
    "index", "week", "month", "year", "age", "era", "mission", "embassy", "consulate", "base",
    "prison", "jail", "camp", "cemetery", "highway", "expressway", "canal", "strait", "gulf",
    "peninsula", "basin", "delta", "plateau", "coast", "village", "town", "township", "borough",
    "municipality", "oblast", "prefecture", "governorate", "emirate", "caliphate", "sultanate", "cabinet",
    "government", "regime", "opposition", "resistance", "uprising", "protests", "protest", "rally", "march",
    "election", "elections", "referendum", "strategy", "report", "survey", "study", "code",
    "constitution", "charter", "declaration", "convention", "protocol", "system", "virus", "syndrome",
    "disease", "medal", "trophy", "series", "show", "album", "film", "novel", "book", "tv",
    "radio", "online", "daily", "weekly", "monthly", "tribune", "herald", "gazette", "chronicle",
    "observer", "telegraph", "mail", "express", "examiner", "inquirer", "courier", "sentinel", "dispatch",
    "bulletin", "star", "sun", "globe", "mirror", "independent", "guardian", "economist", "reporter",
    "monitor",
]);

/// Third-person pronouns that can stand for a speaker, with their gender.
pub const PRONOUNS: &[(&str, char)] = &[("he", 'm'), ("she", 'f')];

/// Lower-case particles inside names: "Mohammad bin Salman", "Ursula von
/// der Leyen", "Luiz Inácio Lula da Silva".
#[rustfmt::skip]
pub static PARTICLES: WordSet = WordSet::new(&[
    "bin", "ibn", "bint", "al", "el", "von", "van", "der", "den", "de", "da", "di", "du", "la", "le", "del",
    "della", "dos", "das", "do", "ben", "abu", "ter", "ten", "zu", "y", "st",
]);

/// A closed word class, hashed on first use: the rules ask about every
/// token, so membership must not cost a scan of hundreds of words.
pub struct WordSet {
    words: &'static [&'static str],
    set: OnceLock<HashSet<&'static str>>,
}

impl WordSet {
    pub const fn new(words: &'static [&'static str]) -> WordSet {
        WordSet {
            words,
            set: OnceLock::new(),
        }
    }

    pub fn contains(&self, word: &str) -> bool {
        self.set
            .get_or_init(|| self.words.iter().copied().collect())
            .contains(word)
    }
}

/// Anything `Doc::is_any` can look a word up in: a word class or a short
/// inline list.
pub trait Words {
    fn has(&self, word: &str) -> bool;
}

impl Words for WordSet {
    fn has(&self, word: &str) -> bool {
        self.contains(word)
    }
}

impl<const N: usize> Words for [&str; N] {
    fn has(&self, word: &str) -> bool {
        self.contains(&word)
    }
}

impl Words for [&str] {
    fn has(&self, word: &str) -> bool {
        self.contains(&word)
    }
}

pub fn gender_of(list: &[(&str, char)], word: &str) -> Option<char> {
    list.iter().find(|(w, _)| *w == word).map(|(_, g)| *g)
}
