// eventsapi: Gluster's Events APIs CLI (webhooks, config, status) and the
// daemon that delivers events to webhooks (serve).
#include "core/config.h"
#include "core/error.h"
#include "eventsapi/eventsapi_cli.h"
#include "eventsapi/eventsapi_serve.h"
#include "eventsapi/eventsapi_store.h"
#include "eventsapi/redeliver.h"
#include "eventsapi/webhook_filter.h"
#include "core/io.h"
#include "core/log.h"
#include "core/event.h"
#include "core/when.h"
#include "core/tool_main.h"
#include "transport/transport_options.h"

#include <optional>
#include <string>

namespace {

// -t/--bearer_token and -s/--secret as Gluster takes them, and files for
// both; and how a webhook is sent to (--insecure, --max-in-flight, --h2c).
struct SecretFlags {
  std::string token, token_file, secret, secret_file;
  bool insecure = false, secure = false, h2c = false, no_h2c = false;
  int max_in_flight = 0;
  std::string events, format;
  CLI::Option* token_opt = nullptr;
  CLI::Option* events_opt = nullptr;
  CLI::Option* secret_opt = nullptr;

  // delivery: the options of webhook-add and webhook-mod, not of webhook-test.
  void add(CLI::App* sub, bool secure_flag = false, bool delivery = false) {
    if (delivery) {
      sub->add_option("--max-in-flight", max_in_flight,
                      "Requests at once (default the config's max-in-flight, 1: in order); each retried on its own")
          ->check(CLI::Range(1, 1024));
      events_opt = sub->add_option("--events", events,
                                   "Only these event types: names or globs, comma-separated (VOLUME_*,PEER_ATTACH; \"\": all)");
      sub->add_flag("--h2c", h2c, "HTTP/2 over cleartext (prior knowledge), for an http:// receiver that speaks it");
      if (secure_flag) sub->add_flag("--no-h2c", no_h2c, "HTTP/1.1 again for an http:// receiver");
    }
    sub->add_option("--format", format, "What the webhook is sent: gluster (Gluster's body), cloudevents, cloudevents-binary")
        ->check(CLI::IsMember({"gluster", "cloudevents", "cloudevents-binary"}));
    token_opt = sub->add_option("-t,--bearer_token", token, "Bearer token (prefer --bearer-token-file)");
    sub->add_option("--bearer-token-file", token_file, "Read the bearer token from FILE (- for stdin)");
    secret_opt = sub->add_option(
        "-s,--secret", secret,
        "Secret: whsec_... signs Standard Webhooks headers, any other string a Gluster JWT (prefer --secret-file)");
    sub->add_option("--secret-file", secret_file, "Read the secret from FILE (- for stdin)");
    sub->add_flag("--insecure", insecure, "Do not verify the webhook's TLS certificate");
    if (secure_flag) sub->add_flag("--secure", secure, "Verify the webhook's TLS certificate again");
  }

  evt::WebhookOptions options() const {
    evt::WebhookOptions o;
    if (!token_file.empty()) o.token = evt::read_secret_file(token_file);
    else if (token_opt && token_opt->count() > 0) o.token = token;
    if (!secret_file.empty()) o.secret = evt::read_secret_file(secret_file);
    else if (secret_opt && secret_opt->count() > 0) o.secret = secret;
    if (insecure) o.insecure = true;
    if (secure) o.insecure = false;
    if (max_in_flight > 0) o.max_in_flight = max_in_flight;
    if (h2c) o.h2c = true;
    if (no_h2c) o.h2c = false;
    if (events_opt && events_opt->count() > 0) o.events = evt::parse_event_patterns(events);
    if (!format.empty()) o.format = evt::parse_webhook_format(format);
    return o;
  }
};

// redeliver's arguments: which events, from where, to which webhooks.
struct RedeliverFlags {
  evt::RedeliverOptions o;
  std::string since;
  CLI::Option* since_opt = nullptr;

  CLI::App* add(CLI::App& app) {
    auto* sub = app.add_subcommand("redeliver", "Queue events again from failed.log or events.log, with their webhook-id");
    sub->add_option("url", o.urls, "Webhooks to send them to (default all enabled ones)");
    sub->add_flag("--failed", o.failed, "From failed.log, each to the webhook that gave it up (the default)");
    since_opt = sub->add_option("--since", since, "From events.log: events since WHEN (90s, 15m, 2h, 1d, RFC 3339, epoch)");
    // One id per --id (or a comma-separated list), so that URLs may follow.
    sub->add_option("--id", o.ids, "Only the events with these ids")->allow_extra_args(false)->delimiter(',');
    sub->add_flag("--dry-run", o.dry_run, "List what would be queued; queue nothing");
    return sub;
  }

  evt::RedeliverOptions options() {
    if (since_opt->count() > 0) o.since = evt::parse_when("--since", since, evt::now_ts());
    return o;
  }
};

// The webhook subcommands: webhook-add, webhook-mod, webhook-del, webhook-test.
struct WebhookCommands {
  std::string url;
  SecretFlags add_flags, mod_flags, test_flags;
  CLI::App *add = nullptr, *mod = nullptr, *del = nullptr, *test = nullptr;

  void declare(CLI::App& app) {
    add = app.add_subcommand("webhook-add", "Register a webhook");
    add->add_option("url", url, "URL of the webhook")->required();
    add_flags.add(add, false, true);
    mod = app.add_subcommand("webhook-mod", "Change a webhook's token, secret or TLS check (and enable it again)");
    mod->add_option("url", url, "URL of the webhook")->required();
    mod_flags.add(mod, true, true);
    del = app.add_subcommand("webhook-del", "Remove a webhook");
    del->add_option("url", url, "URL of the webhook")->required();
    test = app.add_subcommand("webhook-test", "POST a test request to a webhook");
    test->add_option("url", url, "URL of the webhook")->required();
    test_flags.add(test);
  }

  // The chosen one's exit status, or nullopt when none was chosen.
  std::optional<int> run(const evt::ApiContext& c) const {
    if (*add) return evt::api_webhook_add(c, url, add_flags.options());
    if (*mod) return evt::api_webhook_mod(c, url, mod_flags.options());
    if (*del) return evt::api_webhook_del(c, url);
    if (*test) return evt::api_webhook_test(c, url, test_flags.options());
    return std::nullopt;
  }
};

// The config subcommands: config-get, config-set, config-reset.
struct ConfigCommands {
  std::string name, value;
  CLI::App *get = nullptr, *set = nullptr, *reset = nullptr;
  CLI::Option* name_opt = nullptr;

  void declare(CLI::App& app) {
    get = app.add_subcommand("config-get", "Show the configuration");
    name_opt = get->add_option("--name", name, "Config name");
    set = app.add_subcommand("config-set", "Change a config value");
    set->add_option("name", name, "Config name")->required();
    set->add_option("value", value, "Config value")->required();
    reset = app.add_subcommand("config-reset", "Reset a config value (or all) to its default");
    reset->add_option("name", name, "Config name or all")->required();
  }

  std::optional<int> run(const evt::ApiContext& c) const {
    if (*get) return evt::api_config_get(c, name_opt->count() ? std::optional<std::string>(name) : std::nullopt);
    if (*set) return evt::api_config_set(c, name, value);
    if (*reset) return evt::api_config_reset(c, name);
    return std::nullopt;
  }
};

// serve's options; what it takes from the configuration file is chosen
// when it runs.
struct ServeFlags {
  evt::ServeOptions o;
  std::string password_file, port;

  CLI::App* declare(CLI::App& app) {
    o.from.clear();  // unset: choose_url decides
    auto* serve = app.add_subcommand("serve", "Deliver events to the webhooks (the daemon)");
    serve->add_option("--from", o.from, "Where events come from (default $EVENT_URL, the config's url, local:)");
    serve->add_option("--port", port, "UDP port for Gluster's datagrams, instead of the config's (0: none)");
    serve->add_option("--name", o.name, "This node's name in tables (default the host name)");
    serve->add_option("--ready-file", o.ready_file, "Create PATH once serving");
    evt::add_metrics_option(*serve, o.metrics);
    serve->add_option("--password-file", password_file, "Read the Redis password for --from from FILE");
    evt::add_tls_options(*serve, o.from_tls, "--from-", "a rediss:// --from");
    return serve;
  }

  evt::ServeOptions options(const evt::ApiContext& c) {
    evt::Config config = evt::load_config();
    o.from = evt::choose_url(o.from, config);
    if (!o.name.empty() || !config.id.empty()) o.name = evt::choose_node(o.name, config);
    o.store = c.store;
    o.state_dir = c.state_dir;
    o.store_tls = c.store_tls;
    o.password = evt::choose_password(password_file);
    if (!port.empty()) o.port = evt::parse_port("--port", port);
    return o;
  }
};

}  // namespace

// Declaring the options throws only on a programming error (an option added
// twice) or no memory, before run_tool takes over every error.
int main(int argc, char** argv) {  // NOLINT(bugprone-exception-escape)
  CLI::App app("Gluster's Events APIs: webhooks, configuration, and the daemon that delivers events to them.", "eventsapi");
  app.require_subcommand(1);
  app.fallthrough();
  std::string store, state;
  bool json = false;
  app.add_option("--store", store,
                 "A directory, or redis://host for a cluster (default $EVENTSAPI_STORE, /etc/eventsapi for root)");
  app.add_option("--state", state, "serve's state directory: spool, node id, events.log (default $EVENTSAPI_STATE)");
  app.add_flag("--json", json, "Output as JSON: {\"output\": ..., \"error\": ...}");
  evt::TlsOptions store_tls;
  evt::add_tls_options(app, store_tls, "--store-", "a rediss:// --store");

  auto* status = app.add_subcommand("status", "Webhooks, nodes and deliveries");
  auto* reload = app.add_subcommand("reload", "Make every serve reread the configuration");
  auto* sync = app.add_subcommand("sync", "Push the configuration to every node and wait for it");
  WebhookCommands webhooks;
  webhooks.declare(app);
  ConfigCommands config;
  config.declare(app);
  std::string events_dir = "/var/lib/glusterd/events", eventsconfig = "/etc/glusterfs/eventsconfig.json";
  auto* import = app.add_subcommand("import-gluster", "Take over a Gluster node's webhooks and configuration");
  import->add_option("dir", events_dir,
                     "Gluster's events directory, with webhooks.json and config.json (default /var/lib/glusterd/events)");
  import->add_option("--eventsconfig", eventsconfig,
                     "Gluster's default configuration (default /etc/glusterfs/eventsconfig.json)");
  RedeliverFlags redo;
  auto* redeliver = redo.add(app);
  ServeFlags serve_flags;
  auto* serve = serve_flags.declare(app);

  return evt::run_tool(app, argc, argv, [&]() -> int {
    evt::ApiContext c;
    c.store = store.empty() ? evt::default_store() : store;
    c.state_dir = state.empty() ? evt::default_state_dir(c.store) : state;
    c.json = json;
    c.store_tls = store_tls;
    try {
      if (*status) return evt::api_status(c);
      if (*reload) return evt::api_reload(c);
      if (*sync) return evt::api_sync(c);
      if (auto done = webhooks.run(c)) return *done;
      if (auto done = config.run(c)) return *done;
      if (*redeliver) return evt::api_redeliver(c, redo.options());
      if (*import) return evt::api_import_gluster(c, events_dir, eventsconfig);
      if (*serve) return evt::serve_events(serve_flags.options(c));
    } catch (const evt::Error& e) {
      if (e.code() == evt::Exit::usage) throw;
      return evt::api_fail(c, evt::ApiExit::error, e.what());
    }
    return 0;
  });
}
