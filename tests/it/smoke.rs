use crate::common;

#[actix_web::test]
async fn health_and_me() {
    let ts = common::demo_server().await;
    let (status, body) = ts.anonymous().get("/healthz").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    let api = ts.token_client("admin@zezaro.example");
    let (status, me) = api.get("/api/v1/me").await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["user"]["role"], "admin");
    let session = ts.session_client("kadmin@acme-energie.example").await;
    let (status, me) = session.get("/api/v1/me").await;
    assert_eq!(status, 200);
    assert_eq!(me["client"]["name"], "Acme Energie GmbH");
    ts.server.stop().await;
}
