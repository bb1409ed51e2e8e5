"""Personal data is masked before trainers see a message; triage facts never are."""

import pytest

from bot.nlu.masking import mask


@pytest.mark.parametrize("text, masked", [
    # phone numbers
    ("my number is 13812345678", "my number is [PHONE]"),
    ("call 138 1234 5678 please", "call [PHONE] please"),
    ("call 138-1234-5678", "call [PHONE]"),
    ("+86 138 1234 5678", "[PHONE]"),
    ("+8613812345678", "[PHONE]"),
    ("电话13812345678", "电话[PHONE]"),
    ("reach me at +44 20 7946 0958.", "reach me at [PHONE]."),
    ("+1 (555) 123-4567", "[PHONE]"),
    ("0044 20 7946 0958", "[PHONE]"),
    ("call 555-123-4567 now", "call [PHONE] now"),
    ("(555) 123-4567", "[PHONE]"),
    ("555.123.4567", "[PHONE]"),
    ("office 010-12345678", "office [PHONE]"),
    ("0755 1234567", "[PHONE]"),
    ("my mobile 07700 900123", "my mobile [PHONE]"),
    ("number 98765432", "number [PHONE]"),
    # ID numbers
    ("ID 11010519491231002X", "ID [ID]"),
    ("id: 11010519491231002x", "id: [ID]"),
    ("身份证号110105194912310021", "身份证号[ID]"),
    ("old card 110105491231002", "old card [ID]"),
    ("passport E12345678", "passport [ID]"),
    ("passport no. G1234567 expired", "passport no. [ID] expired"),
    ("card 4111111111111111", "card [ID]"),
    # e-mail
    ("mail me at anna.lee+flu@example.com.cn", "mail me at [EMAIL]"),
    ("j_smith@hospital.org is my email", "[EMAIL] is my email"),
    # names
    ("my name is John", "my name is [NAME]"),
    ("My name is Anna Lee and I have a fever", "My name is [NAME] and I have a fever"),
    ("my name is john and i feel hot", "my name is [NAME] and i feel hot"),
    ("my name is anna lee", "my name is [NAME]"),
    ("my name's Wang Fang", "my name's [NAME]"),
    ("Name: Li Wei, 38.5 since monday", "Name: [NAME], 38.5 since monday"),
    ("I'm Anna", "I'm [NAME]"),
    ("I’m Anna, 35 years old", "I’m [NAME], 35 years old"),
    ("hi, I am David Smith", "hi, I am [NAME]"),
    ("I'm Mary-Jane O'Brien and I feel sick", "I'm [NAME] and I feel sick"),
    ("I'm called Bob", "I'm called [NAME]"),
    ("this is John", "this is [NAME]"),
    ("This is Dr Smith from ward 3", "This is Dr [NAME] from ward 3"),
    ("this is Anna's temperature: 39", "this is [NAME]'s temperature: 39"),
    ("call me Anna", "call me [NAME]"),
    ("Call me José", "Call me [NAME]"),
    ("我叫张伟", "我叫[NAME]"),
    ("我叫王小明，发烧三天了", "我叫[NAME]，发烧三天了"),
    ("我的名字是李娜", "我的名字是[NAME]"),
    # several at once
    ("I'm Anna, call 138 1234 5678 or anna@example.com",
     "I'm [NAME], call [PHONE] or [EMAIL]"),
])
def test_personal_data_is_masked(text, masked):
    assert mask(text) == masked


@pytest.mark.parametrize("text", [
    # not names
    "I'm fine", "I'm fine thanks", "I'm 35", "I'm 35 years old", "I am 8 months pregnant",
    "I'm Chinese", "I am English", "I'm not sure", "I'm Sorry", "I'm worried",
    "i'm feeling hot", "I'm a nurse", "I am COVID positive", "call me back",
    "call me later", "call me an ambulance", "call me a doctor", "call me ASAP",
    "this is bad", "this is Monday", "this is my third day", "This is urgent",
    "my name is not important", "My Name", "my name isabel?", "surname: 38.5", "I have a fever and a cough",
    # temperatures, ages, durations, dates, times, doses
    "my temperature is 38.5", "39.2 C", "101.3F this morning", "it was 38,7 °C",
    "fever of 102 for 3 days", "3-4 days", "since 2 weeks", "for 72 hours",
    "she is 85", "my son is 2 years old", "aged 67",
    "2024-03-15", "on 15/03/2024", "since 03-15-2024", "20240315", "15032024",
    "from 2023-2024", "at 10:30", "around 22:45 last night", "500 mg paracetamol",
    "took 1000mg twice", "took 2 x 500 mg", "blood pressure 120/80",
    "oxygen 94%", "heart rate 110", "covid19", "room 12", "1 2 3 4",
    "temperature 38.5 on 2024-03-15 at 10:30, 3 days, age 35",
    "+2 degrees", "I called 120", "dial 911 or 999", "I'm 8 weeks pregnant",
    "took 2 tablets at 0800 on 12.03.2024", "fever from 0930-1130", "weighs 70kg",
    "SpO2 92", "since 2024 03 15", "I'm Covid positive",
])
def test_what_the_triage_needs_is_never_masked(text):
    assert mask(text) == text


def test_placeholders_are_not_masked_again():
    once = mask("I'm Anna, 13812345678, a@b.co, ID 11010519491231002X")
    assert mask(once) == once
