//! Staff see the bot's own formatting rendered and the decision in plain words: a chat filing's answer
//! bolds its reference unescaped, shows no classifier internals, and keeps resident text escaped with
//! mentions off.

use crate::support;

use support::town::Town;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_filing_answer_renders_its_markdown_and_explains_in_plain_words() {
    let town = Town::start().await;
    let clerk = town.member("Front desk", None);
    town.standin.say(
        &clerk,
        &town.intake,
        "Streetlight out at 14 Pine St *asap* _please_ @everyone",
    );
    let req = town.request_from(&format!("chat:{}", clerk.id)).await;
    let r = req.reference.to_string();
    let answer = town.thread_answer(&r).await;
    let content = answer["content"].as_str().unwrap();
    assert!(content.contains(&format!("Filed as **{r}**")), "{content}");
    assert!(!content.contains("\\*\\*"), "{content}");
    assert!(content.contains("\n• matched: "), "{content}");
    for internal in [" vs ", " = ", "(+", "->", "score"] {
        assert!(!content.contains(internal), "{internal:?} in {content}");
    }
    assert!(!content.contains("*asap*"), "{content}");
    assert!(!content.contains("@everyone"), "{content}");
    assert_eq!(answer["mention_everyone"], false, "{answer}");
    town.svc.shutdown().await;
}
