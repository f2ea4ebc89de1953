use super::*;

fn spec(format: Option<&str>, lang: Option<&str>, tz: &str) -> DateSpec {
    DateSpec { format: format.map(Into::into), lang: lang.map(|l| l.parse().unwrap()), zone: tz.parse().unwrap() }
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

#[test]
fn formats_and_languages() {
    let cases = [
        ("30 июня 2022", Some("%d %B %Y"), Some("ru"), "UTC", "2022-06-30T00:00:00Z"),
        ("3 мая 2021", Some("%d %B %Y"), Some("ru"), "UTC", "2021-05-03T00:00:00Z"),
        ("1 май 2021", Some("%d %B %Y"), Some("ru"), "UTC", "2021-05-01T00:00:00Z"),
        ("12 сент. 2020", Some("%d %b. %Y"), Some("ru"), "UTC", "2020-09-12T00:00:00Z"),
        ("8 April 2021 17:55", Some("%d %B %Y %H:%M"), Some("en"), "Europe/Moscow", "2021-04-08T14:55:00Z"),
        (
            "Published at: 8 April 2021 17:55",
            Some("Published at: %d %B %Y %H:%M"),
            None,
            "+03:00",
            "2021-04-08T14:55:00Z",
        ),
        ("le 5 juin 2022", Some("le %d %B %Y"), Some("fr"), "Europe/Paris", "2022-06-04T22:00:00Z"),
        ("mardi 1er février 2022", None, Some("fr"), "UTC", "2022-02-01T00:00:00Z"),
        ("5 de junio de 2022", Some("%d de %B de %Y"), Some("es"), "UTC", "2022-06-05T00:00:00Z"),
        (
            "lunes, 7 de marzo de 2022 10:30",
            Some("%A, %d de %B de %Y %H:%M"),
            Some("es"),
            "UTC",
            "2022-03-07T10:30:00Z",
        ),
        ("Jun 30, 2022", Some("%b %d, %Y"), Some("en"), "UTC", "2022-06-30T00:00:00Z"),
    ];
    for (text, format, lang, tz, want) in cases {
        let got = parse(text, &spec(format, lang, tz));
        assert_eq!(got, Ok(utc(want)), "{text:?} with {format:?}");
    }
}

#[test]
fn best_effort_guesses() {
    let cases = [
        ("30 июня 2022", None, "2022-06-30T00:00:00Z"),
        ("Published at: 8 April 2021 17:55", None, "2021-04-08T17:55:00Z"),
        ("Опубликовано: 26 ноября 2019 г. в 10:15", Some("ru"), "2019-11-26T10:15:00Z"),
        ("le 5 juin 2022 à 14h30", Some("fr"), "2022-06-05T14:30:00Z"),
        ("5 de junio de 2022", None, "2022-06-05T00:00:00Z"),
        ("June 8, 2021", None, "2021-06-08T00:00:00Z"),
        ("Thursday, April 8th, 2021 at 5:55", None, "2021-04-08T05:55:00Z"),
        ("2022-06-30", None, "2022-06-30T00:00:00Z"),
        ("2022-06-30T09:15:00", None, "2022-06-30T09:15:00Z"),
        ("Дата: 08.04.2021 17:55", None, "2021-04-08T17:55:00Z"),
        ("05/06/2022", Some("en"), "2022-05-06T00:00:00Z"),
        ("05/06/2022", Some("fr"), "2022-06-05T00:00:00Z"),
    ];
    for (text, lang, want) in cases {
        assert_eq!(parse(text, &spec(None, lang, "UTC")), Ok(utc(want)), "{text:?}");
    }
}

#[test]
fn what_is_no_date_says_so() {
    assert!(parse("read more", &spec(None, None, "UTC")).unwrap_err().contains("no date found"));
    assert!(parse("31 февраля 2022", &spec(None, None, "UTC")).is_err(), "no 31 February");
    let err = parse("30 июня 2022", &spec(Some("%Y-%m-%d"), Some("ru"), "UTC")).unwrap_err();
    assert!(err.contains("does not match the date format \"%Y-%m-%d\""), "{err}");
}

#[test]
fn zones_and_languages_are_checked() {
    assert!("Mars/Olympus".parse::<Zone>().is_err());
    assert!("+03:00".parse::<Zone>().is_ok());
    assert!("de".parse::<Lang>().unwrap_err().contains("use en, ru, fr or es"));
    // 02:30 on 27 March 2022 does not exist in Brussels (clocks jump from 02:00 to 03:00).
    let gap = parse("2022-03-27 02:30", &spec(None, None, "Europe/Brussels")).unwrap();
    assert_eq!(gap, utc("2022-03-27T01:30:00Z"));
}
