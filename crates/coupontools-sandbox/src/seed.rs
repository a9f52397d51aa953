//! Demo data of a small coffee shop and bakery: campaigns, folders, categories, five loyalty
//! cards (one with 10 000 members, for benchmarks) and two directories. Deterministic, so tests and screenshots see the same shop each run.

use time::macros::{datetime, format_description};
use time::{Duration, OffsetDateTime};

pub(crate) struct Campaign {
    /// `cam_` + digits.
    pub(crate) id: &'static str,
    /// The 6-character slug in the coupon's URL.
    pub(crate) code: &'static str,
    /// What the shop calls it in the dashboard.
    pub(crate) name: &'static str,
    /// The headline a customer sees.
    pub(crate) title: &'static str,
    pub(crate) active: bool,
    pub(crate) tags: &'static [&'static str],
    /// Key of `Shop::main_categories`.
    pub(crate) category: &'static str,
    /// Key of `Shop::folders`.
    pub(crate) folder: &'static str,
}

impl Campaign {
    pub(crate) fn url(&self) -> String {
        format!("https://digicpn.com/p/{}", self.code)
    }

    pub(crate) fn status(&self) -> &'static str {
        if self.active {
            "active"
        } else {
            "inactive"
        }
    }
}

pub(crate) struct Directory {
    /// `dir_` + digits.
    pub(crate) id: &'static str,
    pub(crate) code: &'static str,
    pub(crate) name: &'static str,
    /// Oldest registration first.
    pub(crate) users: Vec<DirectoryUser>,
}

pub(crate) struct DirectoryUser {
    /// The digits of `reg_…`; higher means registered later.
    pub(crate) id: u32,
    /// `YYYY-MM-DD HH:MM:SS UTC`, the form seed 001 shows.
    pub(crate) last_seen: String,
    pub(crate) amount_of_logins: u32,
    pub(crate) email: String,
    pub(crate) phone: String,
    pub(crate) first_name: &'static str,
    pub(crate) last_name: &'static str,
    pub(crate) gender: &'static str,
    pub(crate) birthday: String,
    pub(crate) age_range: &'static str,
    pub(crate) payment_status: &'static str,
    pub(crate) payment_confirmation_id: String,
    pub(crate) payment_confirmation_account: String,
}

pub(crate) struct LoyaltyCard {
    /// The digits of the v3 `loy_…` ID, and the v4 integer ID.
    pub(crate) id: u32,
    pub(crate) code: &'static str,
    pub(crate) name: &'static str,
    /// v3 spelling (seed 000 shows `stampcard`).
    pub(crate) v3_type: &'static str,
    /// v4 spelling (§6.1 shows `stamp`, `membership`).
    pub(crate) v4_type: &'static str,
    pub(crate) domain: &'static str,
    pub(crate) amount_of_stamps: u32,
    pub(crate) users: Vec<LoyaltyUser>,
}

pub(crate) struct LoyaltyUser {
    /// The digits of `lus_…`.
    pub(crate) id: u32,
    pub(crate) first_name: &'static str,
    pub(crate) last_name: &'static str,
    pub(crate) gender: &'static str,
    pub(crate) age_range: &'static str,
    pub(crate) profile_picture: &'static str,
    pub(crate) email: String,
    pub(crate) phone: &'static str,
    pub(crate) social_type: &'static str,
    pub(crate) stamps: u32,
    pub(crate) subscribed_for_marketing: bool,
}

pub(crate) struct Shop {
    pub(crate) campaigns: Vec<Campaign>,
    /// (folder ID, name). Folder IDs are plain numbers: the docs never show one.
    pub(crate) folders: Vec<(&'static str, &'static str)>,
    /// (category ID, name), the 3rd-level categories of seed 003.
    pub(crate) main_categories: Vec<(&'static str, &'static str)>,
    pub(crate) directories: Vec<Directory>,
    pub(crate) loyalty_cards: Vec<LoyaltyCard>,
}

impl Shop {
    pub(crate) fn demo() -> Shop {
        Shop {
            campaigns: campaigns(),
            folders: vec![
                ("1201", "At the counter"),
                ("1202", "Loyalty club"),
                ("1203", "Archive"),
            ],
            main_categories: vec![
                ("31", "Coffee & breakfast"),
                ("32", "Discounts"),
                ("33", "Celebrations"),
            ],
            directories: vec![
                Directory {
                    id: "dir_7001",
                    code: "cbm7q2",
                    name: "Corner Bakery members",
                    users: (0..150).map(generated_member).collect(),
                },
                Directory {
                    id: "dir_7002",
                    code: "stf4k8",
                    name: "Staff & friends",
                    users: staff(),
                },
                Directory {
                    id: "dir_7003",
                    code: "bkc9m3",
                    name: "Bakery club (2 500 members)",
                    users: generated_members(FIRST_CLUB_ID, CLUB_MEMBERS),
                },
            ],
            loyalty_cards: loyalty_cards(),
        }
    }

    pub(crate) fn campaign(&self, id: &str) -> Option<&Campaign> {
        self.campaigns.iter().find(|c| c.id == id)
    }

    pub(crate) fn directory(&self, id: &str) -> Option<&Directory> {
        self.directories.iter().find(|d| d.id == id)
    }
}

fn campaigns() -> Vec<Campaign> {
    vec![
        Campaign {
            id: "cam_104211",
            code: "fc7k2p",
            name: "Free coffee with any pastry",
            title: "Free coffee with any pastry",
            active: true,
            tags: &["coffee", "breakfast"],
            category: "31",
            folder: "1201",
        },
        Campaign {
            id: "cam_104212",
            code: "t3nv9x",
            name: "10% off your next visit",
            title: "10% off your next visit",
            active: true,
            tags: &["discount", "returning"],
            category: "32",
            folder: "1201",
        },
        Campaign {
            id: "cam_104213",
            code: "bd8q4m",
            name: "Birthday treat",
            title: "A birthday treat on us",
            active: true,
            tags: &["birthday"],
            category: "33",
            folder: "1202",
        },
        Campaign {
            id: "cam_104214",
            code: "lw5h7r",
            name: "Loyalty welcome gift",
            title: "Welcome to the club: a small gift for you",
            active: true,
            tags: &["loyalty", "welcome"],
            category: "33",
            folder: "1202",
        },
        Campaign {
            id: "cam_104215",
            code: "ss25zy",
            name: "Summer sale 2025",
            title: "Summer sale: 20% off iced drinks",
            active: false,
            tags: &["seasonal", "discount"],
            category: "32",
            folder: "1203",
        },
        // The POS campaign: `lunch_deal::seed` gives it 3 000 sessions over the last 60 days.
        Campaign {
            id: super::lunch_deal::CAMPAIGN,
            code: super::lunch_deal::SLUG,
            name: "Lunch deal",
            title: "Lunch deal: soup and a sandwich for 9.50",
            active: true,
            tags: &["lunch"],
            category: "32",
            folder: "1201",
        },
    ]
}

/// The benchmark's big campaign, listed only when the sandbox is asked for it
/// (`SandboxConfig::big_campaign_sessions`).
pub(crate) fn big_campaign() -> Campaign {
    Campaign {
        id: super::lunch_deal::BIG_CAMPAIGN,
        code: super::lunch_deal::BIG_SLUG,
        name: "Lunch deal XL",
        title: "Lunch deal XL: the benchmark's campaign of many coupons",
        active: true,
        tags: &["lunch", "benchmark"],
        category: "32",
        folder: "1203",
    }
}

/// The `n`-th of the extra active campaigns (`SandboxConfig::extra_campaigns`), `cam_2…`. Their
/// texts live as long as the program: a test server makes a bounded few, once.
pub(crate) fn extra_campaign(n: usize) -> Campaign {
    let leak = |text: String| -> &'static str { Box::leak(text.into_boxed_str()) };
    Campaign {
        id: leak(format!("cam_2{n:05}")),
        code: leak(format!("x{n:05}")),
        name: leak(format!("Extra campaign {n}")),
        title: leak(format!("Extra campaign {n}: one of many active")),
        active: true,
        tags: &["extra"],
        category: "32",
        folder: "1201",
    }
}

fn loyalty_cards() -> Vec<LoyaltyCard> {
    let user =
        |id, first_name, last_name, gender, email, phone, social_type, stamps, subscribed| {
            LoyaltyUser {
                id,
                first_name,
                last_name,
                gender,
                age_range: "",
                profile_picture: "",
                email: String::from(email),
                phone,
                social_type,
                stamps,
                subscribed_for_marketing: subscribed,
            }
        };
    vec![
        LoyaltyCard {
            id: 48213,
            code: "ks3w8n",
            name: "Coffee stamp card",
            v3_type: "stampcard",
            v4_type: "stamp",
            domain: "loyalty.coupontools.com",
            amount_of_stamps: 8,
            users: vec![
                user(
                    910001,
                    "Emma",
                    "Peeters",
                    "female",
                    "emma.peeters@example.com",
                    "+32470112233",
                    "Google",
                    3,
                    true,
                ),
                user(
                    910002,
                    "Lucas",
                    "Janssens",
                    "male",
                    "lucas.janssens@example.com",
                    "",
                    "",
                    7,
                    false,
                ),
                user(
                    910003,
                    "Olivia",
                    "Maes",
                    "female",
                    "olivia.maes@example.com",
                    "+32471998877",
                    "Facebook",
                    0,
                    true,
                ),
                user(
                    910004,
                    "Noah",
                    "Claes",
                    "male",
                    "noah.claes@example.com",
                    "",
                    "Google",
                    8,
                    true,
                ),
                user(
                    910005,
                    "Mila",
                    "Wouters",
                    "female",
                    "mila.wouters@example.com",
                    "",
                    "",
                    1,
                    false,
                ),
            ],
        },
        LoyaltyCard {
            id: 48214,
            code: "mb6r2d",
            name: "Bakery friends membership",
            v3_type: "membership",
            v4_type: "membership",
            domain: "save2wallet.link",
            amount_of_stamps: 0,
            users: vec![
                user(
                    910101,
                    "Arthur",
                    "Willems",
                    "male",
                    "arthur.willems@example.com",
                    "+32472445566",
                    "",
                    0,
                    true,
                ),
                user(
                    910102,
                    "Louise",
                    "Goossens",
                    "female",
                    "louise.goossens@example.com",
                    "",
                    "Google",
                    0,
                    false,
                ),
                user(
                    910103,
                    "Jules",
                    "Hermans",
                    "unknown",
                    "jules.hermans@example.com",
                    "",
                    "",
                    0,
                    true,
                ),
            ],
        },
        LoyaltyCard {
            id: 48215,
            code: "lp9t3c",
            name: "Lunch points",
            v3_type: "pointscard",
            v4_type: "points",
            domain: "loyalty.coupontools.com",
            amount_of_stamps: 0,
            users: vec![
                user(
                    910201,
                    "Elena",
                    "Mertens",
                    "female",
                    "elena.mertens@example.com",
                    "+32473101010",
                    "",
                    40,
                    true,
                ),
                user(
                    910202,
                    "Victor",
                    "Aerts",
                    "male",
                    "victor.aerts@example.com",
                    "",
                    "Google",
                    15,
                    false,
                ),
            ],
        },
        LoyaltyCard {
            id: 48216,
            code: "rg10kx",
            name: "Regulars club (10 000 members)",
            v3_type: "stampcard",
            v4_type: "stamp",
            domain: "loyalty.coupontools.com",
            amount_of_stamps: 10,
            users: (1..=BIG_CARD_MEMBERS).map(big_card_member).collect(),
        },
        LoyaltyCard {
            id: 48217,
            code: "tq4z7w",
            name: "Tasting club",
            v3_type: "stampcard",
            v4_type: "stamp",
            domain: "save2wallet.link",
            amount_of_stamps: 5,
            users: vec![
                // Markup in a name must reach the window as text, never as HTML.
                user(
                    910301,
                    "<img src=x onerror=alert(1)>",
                    "Tester",
                    "unknown",
                    "markup.tester@example.com",
                    "",
                    "",
                    4,
                    false,
                ),
                user(
                    910302,
                    "Zoë",
                    "Ångström-Nuñez",
                    "female",
                    "zoe.angstrom@example.com",
                    "+32 474 55 66 77",
                    "Facebook",
                    5,
                    true,
                ),
            ],
        },
    ]
}

/// Members of the big card (48216), for paging benchmarks.
pub(crate) const BIG_CARD_MEMBERS: u32 = 10_000;
/// Their IDs are this + 1 ..= this + 10 000.
pub(crate) const BIG_CARD_FIRST_ID: u32 = 1_000_000;

/// Member `i` (1-based) of the big card: deterministic names, `member00001@example.com` …
fn big_card_member(i: u32) -> LoyaltyUser {
    let idx = i as usize;
    let (first_name, gender) = FIRST_NAMES[idx % FIRST_NAMES.len()];
    LoyaltyUser {
        id: BIG_CARD_FIRST_ID + i,
        first_name,
        last_name: LAST_NAMES[(idx / FIRST_NAMES.len() + idx) % LAST_NAMES.len()],
        gender,
        age_range: "",
        profile_picture: "",
        email: format!("member{i:05}@example.com"),
        phone: "",
        social_type: "",
        stamps: (i * 7) % 23,
        subscribed_for_marketing: i % 3 != 0,
    }
}

const FIRST_NAMES: [(&str, &str); 25] = [
    ("Emma", "female"),
    ("Noah", "male"),
    ("Olivia", "female"),
    ("Liam", "male"),
    ("Louise", "female"),
    ("Arthur", "male"),
    ("Mila", "female"),
    ("Jules", "male"),
    ("Elena", "female"),
    ("Victor", "male"),
    ("Nora", "female"),
    ("Adam", "male"),
    ("Alice", "female"),
    ("Louis", "male"),
    ("Julia", "female"),
    ("Finn", "male"),
    ("Marie", "female"),
    ("Leon", "male"),
    ("Sofia", "female"),
    ("Mohamed", "male"),
    ("Lina", "female"),
    ("Jack", "male"),
    ("Anna", "female"),
    ("Oscar", "male"),
    ("Sara", "female"),
];

const LAST_NAMES: [&str; 16] = [
    "Peeters",
    "Janssens",
    "Maes",
    "Jacobs",
    "Mertens",
    "Willems",
    "Claes",
    "Goossens",
    "Wouters",
    "De Smet",
    "Dubois",
    "Lambert",
    "Hermans",
    "Aerts",
    "Martin",
    "Vermeulen",
];

const FIRST_MEMBER_ID: u32 = 560_001;
const FIRST_STAFF_ID: u32 = 570_001;
const FIRST_CLUB_ID: u32 = 590_001;
/// The directory practice mode pages through: 25 pages of 100.
pub(crate) const CLUB_MEMBERS: u32 = 2_500;

/// `count` generated members whose `reg_` numbers start at `first_id`, oldest first.
pub(crate) fn generated_members(first_id: u32, count: u32) -> Vec<DirectoryUser> {
    (0..count)
        .map(|i| DirectoryUser {
            id: first_id + i,
            // About four a day over the last year and a half, so nobody was "last seen" later.
            last_seen: utc_stamp(
                datetime!(2024-06-01 08:00:00 UTC) + Duration::minutes(i64::from(i) * 211),
            ),
            ..generated_member(i)
        })
        .collect()
}

/// Member `i` of the big directory; a larger `i` registered later.
fn generated_member(i: u32) -> DirectoryUser {
    let idx = i as usize;
    let (first_name, gender) = FIRST_NAMES[idx % FIRST_NAMES.len()];
    // (i / 25 + i) % 16 gives every member below 400 a distinct first/last pair.
    let last_name = LAST_NAMES[(idx / FIRST_NAMES.len() + idx) % LAST_NAMES.len()];
    let registered = datetime!(2024-02-05 09:12:00 UTC)
        + Duration::minutes(i64::from(i) * (2 * 24 * 60 + 5 * 60 + 13));
    let last_seen = registered + Duration::minutes(i64::from((i * 7919) % (200 * 24 * 60)));
    let birth_year = 1958 + (i * 7) % 45;
    let (payment_status, confirmation_id, account) = match i % 9 {
        0 => (
            "paid",
            format!("pi_{:06}", 300_000 + i),
            "Stripe".to_owned(),
        ),
        4 => ("pending", String::new(), String::new()),
        7 => ("unpaid", String::new(), String::new()),
        _ => ("", String::new(), String::new()),
    };
    DirectoryUser {
        id: FIRST_MEMBER_ID + i,
        last_seen: utc_stamp(last_seen),
        amount_of_logins: 1 + (i * 13) % 40,
        email: email_of(first_name, last_name),
        phone: if i % 3 == 0 {
            format!("+3247{:07}", 1_000_000 + (i * 7_717) % 8_999_999)
        } else {
            String::new()
        },
        first_name,
        last_name,
        gender,
        birthday: format!(
            "{birth_year}-{:02}-{:02}",
            1 + (i * 5) % 12,
            1 + (i * 11) % 28
        ),
        age_range: age_range(2025 - birth_year),
        payment_status,
        payment_confirmation_id: confirmation_id,
        payment_confirmation_account: account,
    }
}

fn staff() -> Vec<DirectoryUser> {
    let people = [
        ("Sam", "Lefevre", "male"),
        ("Ines", "Dupont", "female"),
        ("Tom", "Smets", "male"),
    ];
    people
        .into_iter()
        .zip(0u32..)
        .map(|((first_name, last_name, gender), i)| DirectoryUser {
            id: FIRST_STAFF_ID + i,
            last_seen: utc_stamp(
                datetime!(2025-10-01 07:30:00 UTC) + Duration::hours(i64::from(i) * 26),
            ),
            amount_of_logins: 20 + i * 3,
            email: email_of(first_name, last_name),
            phone: String::new(),
            first_name,
            last_name,
            gender,
            birthday: format!("{}-06-1{}", 1990 + i, i),
            age_range: "25-34",
            payment_status: "",
            payment_confirmation_id: String::new(),
            payment_confirmation_account: String::new(),
        })
        .collect()
}

fn email_of(first_name: &str, last_name: &str) -> String {
    let last: String = last_name.chars().filter(|c| !c.is_whitespace()).collect();
    format!(
        "{}.{}@example.com",
        first_name.to_lowercase(),
        last.to_lowercase()
    )
}

fn age_range(age: u32) -> &'static str {
    match age {
        0..=24 => "18-24",
        25..=34 => "25-34",
        35..=44 => "35-44",
        45..=54 => "45-54",
        55..=64 => "55-64",
        _ => "65+",
    }
}

fn utc_stamp(at: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    // Formatting a valid date with a fixed description does not fail; "" keeps it panic-free.
    at.format(&format)
        .map(|s| format!("{s} UTC"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn the_shop_has_what_the_brief_promises() {
        let shop = Shop::demo();
        assert_eq!(shop.campaigns.len(), 6);
        assert_eq!(shop.campaigns.iter().filter(|c| !c.active).count(), 1);
        assert_eq!(shop.loyalty_cards.len(), 5);
        assert_eq!(
            shop.loyalty_cards
                .iter()
                .map(|c| c.users.len())
                .sum::<usize>(),
            12 + BIG_CARD_MEMBERS as usize
        );
        let big = shop.loyalty_cards.iter().find(|c| c.id == 48216).unwrap();
        assert_eq!(big.users[0].email, "member00001@example.com");
        assert_eq!(big.users[9_999].email, "member10000@example.com");
        let ids: HashSet<u32> = shop
            .loyalty_cards
            .iter()
            .flat_map(|c| c.users.iter().map(|u| u.id))
            .collect();
        assert_eq!(
            ids.len(),
            12 + BIG_CARD_MEMBERS as usize,
            "member IDs are unique"
        );
        assert_eq!(shop.directory("dir_7001").map(|d| d.users.len()), Some(150));
    }

    #[test]
    fn ids_and_codes_have_the_documented_forms() {
        let shop = Shop::demo();
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let slug = |s: &str| {
            s.len() == 6
                && s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        };
        for c in &shop.campaigns {
            assert!(c.id.strip_prefix("cam_").is_some_and(digits), "{}", c.id);
            assert!(slug(c.code), "{}", c.code);
            assert!(shop.folders.iter().any(|(id, _)| *id == c.folder));
            assert!(shop.main_categories.iter().any(|(id, _)| *id == c.category));
        }
        for d in &shop.directories {
            assert!(d.id.strip_prefix("dir_").is_some_and(digits));
            assert!(slug(d.code));
        }
        for c in &shop.loyalty_cards {
            assert!(slug(c.code));
        }
    }

    #[test]
    fn members_are_distinct_and_dated() {
        let shop = Shop::demo();
        let users = &shop.directory("dir_7001").unwrap().users;
        let emails: HashSet<_> = users.iter().map(|u| u.email.as_str()).collect();
        assert_eq!(emails.len(), users.len());
        assert!(users.windows(2).all(|w| w[0].id < w[1].id));
        assert_eq!(users[0].last_seen.len(), "2025-01-01 13:48:22 UTC".len());
        assert!(users[0].last_seen.ends_with(" UTC"));
        assert_eq!(users[0].birthday.len(), 10);
    }
}
