//! Dates as web pages write them: `30 июня 2022`, `Published at: 8 April 2021 17:55`,
//! `le 5 juin 2022`, `5 de junio de 2022`. Pure and table-tested.
//!
//! Month and weekday names in English, Russian, French and Spanish (full and short, nominative and
//! genitive) are first rewritten as English names; the text is then read with the source's
//! strftime-like `date_format` (chrono's syntax), or, without one, by a best-effort guess over the
//! common shapes (day month year, month day year, ISO, dd.mm.yyyy). Times without a zone are taken
//! in the source's `date_tz`.

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use regex::Regex;

/// A language whose month and weekday names tidings reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    Ru,
    Fr,
    Es,
}

impl FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Lang, String> {
        match s.to_ascii_lowercase().as_str() {
            "en" | "english" => Ok(Lang::En),
            "ru" | "russian" => Ok(Lang::Ru),
            "fr" | "french" => Ok(Lang::Fr),
            "es" | "spanish" => Ok(Lang::Es),
            other => Err(format!("{other:?} is not a known date language: use en, ru, fr or es")),
        }
    }
}

/// The zone local times are read in: an IANA name (`Europe/Moscow`) or a fixed offset (`+03:00`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Zone {
    Named(chrono_tz::Tz),
    Fixed(FixedOffset),
}

impl Default for Zone {
    fn default() -> Zone {
        Zone::Fixed(FixedOffset::east_opt(0).expect("zero is an offset"))
    }
}

impl FromStr for Zone {
    type Err = String;
    fn from_str(s: &str) -> Result<Zone, String> {
        if let Ok(tz) = s.parse::<chrono_tz::Tz>() {
            return Ok(Zone::Named(tz));
        }
        DateTime::parse_from_str(&format!("2000-01-01T00:00:00{s}"), "%Y-%m-%dT%H:%M:%S%:z")
            .map(|d| Zone::Fixed(*d.offset()))
            .map_err(|_| {
                format!(
                    "{s:?} is not a time zone: use a name such as \"Europe/Moscow\" or an offset such as \"+03:00\""
                )
            })
    }
}

impl Zone {
    /// The instant a local time stands for; in a DST gap, the hour after it.
    fn to_utc(self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        let pick = |l: chrono::LocalResult<DateTime<Utc>>| l.earliest();
        match self {
            Zone::Named(tz) => tz
                .from_local_datetime(&local)
                .earliest()
                .or_else(|| tz.from_local_datetime(&(local + chrono::Duration::hours(1))).earliest())
                .map(|d| d.with_timezone(&Utc)),
            Zone::Fixed(offset) => pick(offset.from_local_datetime(&local).map(|d| d.with_timezone(&Utc))),
        }
    }
}

/// How a source writes its dates.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DateSpec {
    /// chrono's strftime syntax, after month names are rewritten in English (`%d %B %Y`).
    pub format: Option<String>,
    /// Which language's names to read; all four when unset.
    pub lang: Option<Lang>,
    pub zone: Zone,
}

impl fmt::Display for DateSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.format {
            Some(format) => write!(f, "format {format:?}"),
            None => write!(f, "a best-effort guess"),
        }
    }
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const WEEKDAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// Every spelling of each month, by language: full (nominative and genitive) and short (marked
/// with a final `.`, which the text may or may not carry).
fn month_names(lang: Lang) -> &'static [&'static [&'static str]; 12] {
    match lang {
        Lang::En => &[
            &["january", "jan."],
            &["february", "feb."],
            &["march", "mar."],
            &["april", "apr."],
            &["may"],
            &["june", "jun."],
            &["july", "jul."],
            &["august", "aug."],
            &["september", "sep.", "sept."],
            &["october", "oct."],
            &["november", "nov."],
            &["december", "dec."],
        ],
        Lang::Ru => &[
            &["январь", "января", "янв."],
            &["февраль", "февраля", "фев.", "февр."],
            &["март", "марта", "мар."],
            &["апрель", "апреля", "апр."],
            &["май", "мая"],
            &["июнь", "июня", "июн."],
            &["июль", "июля", "июл."],
            &["август", "августа", "авг."],
            &["сентябрь", "сентября", "сен.", "сент."],
            &["октябрь", "октября", "окт."],
            &["ноябрь", "ноября", "ноя.", "нояб."],
            &["декабрь", "декабря", "дек."],
        ],
        Lang::Fr => &[
            &["janvier", "janv."],
            &["février", "fevrier", "févr.", "fevr.", "fév."],
            &["mars"],
            &["avril", "avr."],
            &["mai"],
            &["juin"],
            &["juillet", "juil."],
            &["août", "aout", "aoû."],
            &["septembre", "sept."],
            &["octobre", "oct."],
            &["novembre", "nov."],
            &["décembre", "decembre", "déc.", "dec."],
        ],
        Lang::Es => &[
            &["enero", "ene."],
            &["febrero", "feb."],
            &["marzo", "mar."],
            &["abril", "abr."],
            &["mayo", "may"],
            &["junio", "jun."],
            &["julio", "jul."],
            &["agosto", "ago."],
            &["septiembre", "setiembre", "sep.", "sept.", "set."],
            &["octubre", "oct."],
            &["noviembre", "nov."],
            &["diciembre", "dic."],
        ],
    }
}

fn weekday_names(lang: Lang) -> &'static [&'static [&'static str]; 7] {
    match lang {
        Lang::En => &[
            &["monday", "mon."],
            &["tuesday", "tue.", "tues."],
            &["wednesday", "wed."],
            &["thursday", "thu.", "thurs."],
            &["friday", "fri."],
            &["saturday", "sat."],
            &["sunday", "sun."],
        ],
        Lang::Ru => &[
            &["понедельник", "пн."],
            &["вторник", "вт."],
            &["среда", "среду", "ср."],
            &["четверг", "чт."],
            &["пятница", "пятницу", "пт."],
            &["суббота", "субботу", "сб."],
            &["воскресенье", "вс."],
        ],
        Lang::Fr => &[&["lundi"], &["mardi"], &["mercredi"], &["jeudi"], &["vendredi"], &["samedi"], &["dimanche"]],
        Lang::Es => &[
            &["lunes"],
            &["martes"],
            &["miércoles", "miercoles"],
            &["jueves"],
            &["viernes"],
            &["sábado", "sabado"],
            &["domingo"],
        ],
    }
}

/// Little words between the parts of a date, dropped before guessing.
const FILLERS: [&str; 9] = ["le", "de", "del", "à", "a", "г", "года", "в", "at"];

/// Rewrites the month and weekday names of `text` in English; with `drop_fillers`, also removes
/// weekday names and the little words around the parts.
fn englished(text: &str, lang: Option<Lang>, drop_fillers: bool) -> String {
    let langs: Vec<Lang> = match lang {
        Some(l) if l != Lang::En => vec![l, Lang::En],
        Some(_) => vec![Lang::En],
        None => vec![Lang::En, Lang::Ru, Lang::Fr, Lang::Es],
    };
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if word.is_empty() {
            return;
        }
        let lower = word.to_lowercase();
        let month = langs.iter().find_map(|l| lookup(month_names(*l), &lower));
        let weekday = langs.iter().find_map(|l| lookup(weekday_names(*l), &lower));
        match (month, weekday) {
            (Some((m, short)), _) => out.push_str(english(MONTHS[m], short)),
            (None, Some(_)) if drop_fillers => {}
            (None, Some((d, short))) => out.push_str(english(WEEKDAYS[d], short)),
            (None, None) if drop_fillers && FILLERS.contains(&lower.as_str()) => {}
            (None, None) => out.push_str(word),
        }
        word.clear();
    };
    for c in text.chars() {
        if c.is_alphabetic() {
            word.push(c);
        } else {
            flush(&mut word, &mut out);
            out.push(c);
        }
    }
    flush(&mut word, &mut out);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Which entry of `table` spells `word`, and whether as a short form.
fn lookup(table: &[&[&str]], word: &str) -> Option<(usize, bool)> {
    table.iter().enumerate().find_map(|(i, names)| {
        names.iter().find_map(|n| match n.strip_suffix('.') {
            Some(short) if short == word => Some((i, true)),
            None if *n == word => Some((i, false)),
            _ => None,
        })
    })
}

/// The English name, or its three-letter short form (what `%b` and `%a` read).
fn english(name: &'static str, short: bool) -> &'static str {
    if short {
        &name[..3]
    } else {
        name
    }
}

/// Reads the date in `text` as `spec` says.
pub fn parse(text: &str, spec: &DateSpec) -> Result<DateTime<Utc>, String> {
    let local = match &spec.format {
        Some(format) => with_format(text, format, spec.lang)?,
        None => guess(text, spec.lang).ok_or_else(|| format!("no date found in {text:?}"))?,
    };
    spec.zone.to_utc(local).ok_or_else(|| format!("{local} does not exist in the source's time zone"))
}

fn with_format(text: &str, format: &str, lang: Option<Lang>) -> Result<NaiveDateTime, String> {
    let text = englished(text, lang, false);
    NaiveDateTime::parse_from_str(&text, format)
        .or_else(|_| NaiveDate::parse_from_str(&text, format).map(|d| d.and_time(NaiveTime::MIN)))
        .map_err(|e| format!("{text:?} does not match the date format {format:?}: {e}"))
}

const MONTH_PATTERN: &str = "(Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|Jun(?:e)?|Jul(?:y)?|Aug(?:ust)?|Sep(?:tember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)";
const TIME_PATTERN: &str = r"(?:[\s,.]*(\d{1,2})[:h](\d{2})(?::(\d{2}))?)?";

static SHAPES: LazyLock<[(Regex, Shape); 5]> = LazyLock::new(|| {
    let re = |p: String| Regex::new(&p).expect("static pattern");
    [
        (re(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T\s]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?".to_string()), Shape::Iso),
        (
            re(format!(r"\b(\d{{1,2}})(?:er|st|nd|rd|th)?\.?\s+{MONTH_PATTERN}\.?,?\s+(\d{{4}}){TIME_PATTERN}")),
            Shape::DayMonthYear,
        ),
        (
            re(format!(r"{MONTH_PATTERN}\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}}){TIME_PATTERN}")),
            Shape::MonthDayYear,
        ),
        (re(format!(r"\b(\d{{1,2}})\.(\d{{1,2}})\.(\d{{4}}){TIME_PATTERN}")), Shape::Dotted),
        (re(format!(r"\b(\d{{1,2}})/(\d{{1,2}})/(\d{{4}}){TIME_PATTERN}")), Shape::Slashed),
    ]
});

#[derive(Clone, Copy)]
enum Shape {
    Iso,
    DayMonthYear,
    MonthDayYear,
    Dotted,
    Slashed,
}

/// The first date of a common shape in `text`, with its time when one follows.
fn guess(text: &str, lang: Option<Lang>) -> Option<NaiveDateTime> {
    let text = englished(text, lang, true);
    let month_of = |name: &str| MONTHS.iter().position(|m| name.starts_with(&m[..3])).map(|i| i as u32 + 1);
    SHAPES.iter().find_map(|(re, shape)| {
        let c = re.captures(&text)?;
        let n = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
        let (y, m, d, time_at) = match shape {
            Shape::Iso => (n(1)?, n(2)?, n(3)?, 4),
            Shape::DayMonthYear => (n(3)?, month_of(&c[2])?, n(1)?, 4),
            Shape::MonthDayYear => (n(3)?, month_of(&c[1])?, n(2)?, 4),
            Shape::Dotted => (n(3)?, n(2)?, n(1)?, 4),
            // 05/06/2022 is 6 May in English and 5 June elsewhere.
            Shape::Slashed if lang == Some(Lang::En) => (n(3)?, n(1)?, n(2)?, 4),
            Shape::Slashed => (n(3)?, n(2)?, n(1)?, 4),
        };
        let date = NaiveDate::from_ymd_opt(y as i32, m, d)?;
        let time = match (n(time_at), n(time_at + 1)) {
            (Some(h), Some(min)) => NaiveTime::from_hms_opt(h, min, n(time_at + 2).unwrap_or(0))?,
            _ => NaiveTime::MIN,
        };
        Some(date.and_time(time))
    })
}

#[cfg(test)]
mod tests;
