//! The field checks of the client and their words (the client names them, the app words them).

use crate::api::validate::*;
use crate::api::words::Words;
#[allow(unused_imports)]
use crate::words::{say, Worded};

#[test]
fn good_email_addresses_are_trimmed_and_kept() {
    for (input, expected) in [
        ("john@doe.com", "john@doe.com"),
        ("  info@receiver.com \n", "info@receiver.com"),
        (
            "first.last+tag@mail.example.co.uk",
            "first.last+tag@mail.example.co.uk",
        ),
        ("a@b.be", "a@b.be"),
        ("o'brien@bounce.test", "o'brien@bounce.test"),
        ("jürgen@beispiel.de", "jürgen@beispiel.de"),
    ] {
        assert_eq!(email_address(input).as_deref(), Ok(expected), "{input}");
    }
}

#[test]
fn bad_email_addresses_are_named() {
    for input in [
        "",
        "   ",
        "john",
        "john@",
        "@doe.com",
        "john@doe",
        "john@@doe.com",
        "jo hn@doe.com",
        "john@doe..com",
        "john@.doe.com",
        "john@doe.com.",
        "john@doe.c",
        ".john@doe.com",
        "jo..hn@doe.com",
        "john@-doe.com",
        "jo,hn@doe.com",
        "john@do_e.com",
    ] {
        let problem = email_address(input).expect_err(input);
        assert_eq!(problem.field, "email");
        assert!(!problem.user_message().is_empty() && !problem.hint().is_empty());
    }
    let long = format!("{}@example.com", "a".repeat(250));
    assert!(email_address(&long)
        .unwrap_err()
        .user_message()
        .contains("too long"));
}

#[test]
fn campaign_ids() {
    assert_eq!(campaign_id("cam_123456").as_deref(), Ok("cam_123456"));
    assert_eq!(campaign_id(" CAM_1010508 ").as_deref(), Ok("cam_1010508"));
    assert_eq!(campaign_id("dir_12345").as_deref(), Ok("dir_12345"));
    for bad in [
        "",
        "cam_",
        "123456",
        "cam_12a",
        "cam 123",
        "loy_123",
        "cam_-1",
        "çam_123",
        "cam_1234567890123456789",
    ] {
        let problem = campaign_id(bad).expect_err(bad);
        assert_eq!(problem.field, "campaign");
        assert!(problem.hint().contains("cam_12345"));
    }
}

#[test]
fn single_use_amounts() {
    for (input, expected) in [
        ("1", 1),
        (" 250 ", 250),
        ("100000", 100_000),
        ("100 000", 100_000),
        ("0010", 10),
    ] {
        assert_eq!(single_use_amount(input), Ok(expected), "{input}");
    }
    let too_many = single_use_amount("100001").unwrap_err();
    assert_eq!(too_many.field, "amount");
    assert!(
        too_many.user_message().contains("100 000") && too_many.user_message().contains("at once"),
        "{}",
        too_many.message
    );
    assert!(too_many.hint().contains("split"), "{}", too_many.hint);
    assert!(single_use_amount("99999999999999999999")
        .unwrap_err()
        .user_message()
        .contains("100 000"));
    for (input, words) in [
        ("", "Enter how many"),
        ("0", "at least 1"),
        ("000", "at least 1"),
        ("-5", "digits only"),
        ("1.5", "digits only"),
        ("1,000", "digits only"),
        ("ten", "digits only"),
        ("+7", "digits only"),
        ("１２", "digits only"),
    ] {
        let problem = single_use_amount(input).expect_err(input);
        assert!(
            problem.user_message().contains(words),
            "{input}: {}",
            problem.message
        );
        assert_eq!(problem.field, "amount");
    }
}

#[test]
fn code_lengths() {
    for ok in [10, 17, 25] {
        assert_eq!(code_length(ok), Ok(ok));
    }
    for bad in [0, 9, 26, 255] {
        let problem = code_length(bad).expect_err("out of range");
        assert_eq!(problem.field, "codeLength");
        assert!(problem.hint().contains("10 to 25"), "{}", problem.hint);
    }
}

#[test]
fn code_prefixes() {
    for (input, expected) in [
        ("", ""),
        (" SPR-2025_ ", "SPR-2025_"),
        ("abcdefghij", "abcdefghij"),
    ] {
        assert_eq!(code_prefix(input).as_deref(), Ok(expected), "{input}");
    }
    for (input, words) in [
        ("SPR 25", "cannot contain a space"),
        ("SPR#", "cannot contain “#”"),
        ("é", "cannot contain “é”"),
        ("A\tB", "line break or tab"),
        ("abcdefghijk", "11 characters"),
    ] {
        let problem = code_prefix(input).expect_err(input);
        assert_eq!(problem.field, "codePrefix");
        assert!(
            problem.user_message().contains(words),
            "{input}: {}",
            problem.message
        );
    }
}

#[test]
fn phones() {
    assert_eq!(optional_phone(None), Ok(None));
    assert_eq!(optional_phone(Some("  ")), Ok(None));
    assert_eq!(
        optional_phone(Some(" +32 (0)470 12.34.56 ")),
        Ok(Some("+32 (0)470 12.34.56".to_owned()))
    );
    for bad in ["12345", "call me", "+32 470 + 12", "0470123456789012345678"] {
        let problem = optional_phone(Some(bad)).expect_err(bad);
        assert_eq!(problem.field, "phone");
    }
}

#[test]
fn coupon_campaigns_refuse_directories() {
    assert_eq!(coupon_campaign_id(" CAM_7 ").as_deref(), Ok("cam_7"));
    let problem = coupon_campaign_id("dir_7002").unwrap_err();
    assert_eq!(problem.field, "campaign");
    assert!(problem.user_message().contains("directory"));
    assert_eq!(coupon_campaign_id("").unwrap_err().field, "campaign");
}

#[test]
fn date_ranges() {
    use time::macros::datetime;
    let a = datetime!(2025-01-01 0:00 UTC);
    let b = datetime!(2025-01-02 0:00 UTC);
    assert!(date_range(Some(a), Some(b)).is_ok());
    assert!(date_range(Some(a), Some(a)).is_ok());
    assert!(date_range(None, Some(a)).is_ok());
    assert_eq!(date_range(Some(b), Some(a)).unwrap_err().field, "start");
}

const CODE: &str = "kkfiznr8yp8630h82es8d";

#[test]
fn session_codes_from_pasted_text() {
    for input in [
        CODE.to_owned(),
        format!("  {CODE} "),
        format!("{CODE},"),
        format!("https://digicpn.com/p/v6n7gn/{CODE}"),
        format!(" https://digicpn.com/p/v6n7gn/{CODE}/ "),
        format!("https://digicpn.com/p/v6n7gn/{CODE},"),
        format!("https://digicpn.com/p/v6n7gn/{CODE}?utm_source=mail#top"),
        format!("digicpn.com/p/v6n7gn/{CODE}"),
    ] {
        assert_eq!(
            session_code_from_text(&input).map(|c| c.as_str().to_owned()),
            Ok(CODE.to_owned()),
            "{input}"
        );
    }
    // The doc's example has a capital letter: kept as pasted.
    assert_eq!(
        session_code_from_text("kkfiznr8Yp8630h82es8d")
            .unwrap()
            .as_str(),
        "kkfiznr8Yp8630h82es8d"
    );
}

#[test]
fn a_short_code_is_not_enough_to_remove() {
    for input in [
        "kkfizn",
        " kkfizn, ",
        "https://digicpn.com/p/v6n7gn/kkfizn/x/kkfizn",
    ] {
        let problem = session_code_from_text(input).expect_err(input);
        assert_eq!(problem.field, "code");
        assert_eq!(
            problem.user_message(),
            "A 6-character short code is not enough to remove a link: paste the whole link or its 21-character code."
        );
    }
    assert_eq!(session_lookup_code(" kkfizn ").as_deref(), Ok("kkfizn"));
    assert_eq!(
        session_lookup_code(&format!("https://digicpn.com/p/v6n7gn/{CODE}")).as_deref(),
        Ok(CODE)
    );
}

#[test]
fn not_a_session_code() {
    for (input, words) in [
        ("", "Paste a coupon link or code"),
        ("  , / ", "Paste a coupon link or code"),
        ("kkfiznr8yp8630h82es8", "is not a coupon code or link"),
        ("kkfiznr8yp8630h82es8d1", "is not a coupon code or link"),
        ("kkfiznr8yp8630h82-s8d", "is not a coupon code or link"),
        ("https://digicpn.com/p/v6n7gn", "the campaign itself"),
        ("https://digicpn.com/p/v6n7gn/", "the campaign itself"),
    ] {
        let problem = session_code_from_text(input).expect_err(input);
        assert!(
            problem.user_message().contains(words),
            "{input}: {}",
            problem.message
        );
        assert!(problem.hint().contains("21-character"), "{}", problem.hint);
    }
}

#[test]
fn credentials() {
    assert_eq!(
        client_id(" 449141535434874233217388236 ").as_deref(),
        Ok("449141535434874233217388236")
    );
    assert_eq!(
        client_secret("abcdefghijklmnopqrstuvwxyz0123\n").as_deref(),
        Ok("abcdefghijklmnopqrstuvwxyz0123")
    );
    for (input, words) in [
        ("", "Enter"),
        ("ab cd", "spaces"),
        ("abc", "too short"),
        ("idé12345", "characters"),
    ] {
        assert!(
            client_id(input).unwrap_err().user_message().contains(words),
            "{input}"
        );
    }
    let secret = "spaced secret-value";
    let problem = client_secret(secret).unwrap_err();
    assert_eq!(problem.field, "client_secret");
    assert!(
        !format!("{problem:?} {problem}").contains("secret-value"),
        "the secret must not be echoed"
    );
    assert!(client_secret("short")
        .unwrap_err()
        .user_message()
        .contains("too short"));
    assert!(client_secret(&"x".repeat(300))
        .unwrap_err()
        .user_message()
        .contains("too long"));
}

#[test]
fn optional_texts() {
    assert_eq!(
        optional_text(None, "subject", &Words::new("cmd.label.subject"), 10),
        Ok(None)
    );
    assert_eq!(
        optional_text(Some("   "), "subject", &Words::new("cmd.label.subject"), 10),
        Ok(None)
    );
    assert_eq!(
        optional_text(
            Some(" Ann "),
            "firstName",
            &Words::new("cmd.label.firstName"),
            10
        ),
        Ok(Some("Ann".into()))
    );
    assert_eq!(
        optional_text(
            Some("Zoë"),
            "firstName",
            &Words::new("cmd.label.firstName"),
            3
        ),
        Ok(Some("Zoë".into()))
    );
    let long = optional_text(
        Some("abcd"),
        "firstName",
        &Words::new("cmd.label.firstName"),
        3,
    )
    .unwrap_err();
    assert_eq!(long.field, "firstName");
    assert!(long.hint().contains('3'));
    let broken = optional_text(
        Some("Hi\r\nBcc: x@y.z"),
        "subject",
        &Words::new("cmd.label.subject"),
        100,
    )
    .unwrap_err();
    assert!(broken.user_message().contains("line breaks"));
}

#[test]
fn problems_are_worded_in_the_window_language() {
    use crate::i18n::{in_language, Lang};
    let samples = || {
        vec![
            email_address("").unwrap_err(),
            campaign_id("x1").unwrap_err(),
            single_use_amount("100001").unwrap_err(),
            code_prefix("abcdefghijk").unwrap_err(),
            session_code_from_text("kkfizn").unwrap_err(),
            client_secret("short").unwrap_err(),
            loyalty_card_name(Some(&"n".repeat(51))).unwrap_err(),
            base_url("http://api.coupontools.com/v3").unwrap_err(),
        ]
    };
    // The problems are language-free data; the app words them in the window's language.
    for problem in samples() {
        let worded = |lang| in_language(lang, || (problem.user_message(), problem.hint()));
        let (en_message, en_hint) = worded(Lang::En);
        for lang in [Lang::Nl, Lang::Fr, Lang::De, Lang::Es] {
            let (message, hint) = worded(lang);
            assert_ne!(message, en_message, "{lang:?}");
            assert_ne!(hint, en_hint, "{lang:?}");
            assert!(!message.contains('{'), "{message}");
            assert!(!hint.contains('{'), "{hint}");
        }
    }
    let dutch = in_language(Lang::Nl, || {
        loyalty_card_name(Some(&"n".repeat(51)))
            .unwrap_err()
            .user_message()
    });
    assert_eq!(dutch, "Het veld “naam van de kaart” is te lang.");
}

#[test]
fn base_urls() {
    assert_eq!(
        base_url("https://api.coupontools.com/v3").as_deref(),
        Ok("https://api.coupontools.com/v3")
    );
    assert_eq!(
        base_url(" https://api4coupons.com/v3// ").as_deref(),
        Ok("https://api4coupons.com/v3")
    );
    assert_eq!(
        base_url("http://127.0.0.1:8080/v4/").as_deref(),
        Ok("http://127.0.0.1:8080/v4")
    );
    for bad in [
        "",
        "api.coupontools.com/v3",
        "ftp://api.coupontools.com",
        "https://",
        "https://u:p@host/v3",
        "https://host/v3?x=1",
        "https://host/v3#top",
        "not a url",
    ] {
        let problem = base_url(bad).expect_err(bad);
        assert_eq!(problem.field, "base_url");
    }
}

#[test]
fn plain_http_is_only_for_this_computer() {
    for local in [
        "http://127.0.0.1:8080/v3",
        "http://127.8.9.10/v3",
        "http://[::1]:9000/v4",
        "http://localhost:3000/v3",
        "http://LocalHost/v3",
        "https://localhost/v3",
    ] {
        assert!(base_url(local).is_ok(), "{local}");
        assert!(normalize_base_url(local).is_ok(), "{local}");
    }
    for remote in [
        "http://api.coupontools.com/v3",
        "HTTP://api4coupons.com/v3",
        "http://192.168.1.20:8080/v3",
        "http://10.0.0.1/v4",
        "http://[2001:db8::1]/v3",
        "http://localhost.example.com/v3",
        "http://128.0.0.1/v3",
    ] {
        assert_eq!(
            normalize_base_url(remote),
            Err(BaseUrlProblem::Unencrypted),
            "{remote}"
        );
        let problem = base_url(remote).expect_err(remote);
        assert_eq!(problem.field, "base_url");
        assert!(
            problem.user_message().contains("not encrypted"),
            "{}",
            problem.message
        );
        assert!(
            problem.user_message().contains("API address"),
            "{}",
            problem.message
        );
        assert!(problem.hint().contains("https://"), "{}", problem.hint);
    }
    assert_eq!(
        normalize_base_url("ftp://127.0.0.1/v3"),
        Err(BaseUrlProblem::NotAnAddress)
    );
}
