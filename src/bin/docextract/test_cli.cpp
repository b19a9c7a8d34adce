// The docextract command's connection defaults (the user's libpq settings always win) and its
// Prometheus label escaping.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

#include "db.hpp"
#include "metrics.hpp"

using namespace docextract::cli;

namespace {

std::map<std::string, std::string> params_of(const ConnSpec &spec) {
    std::map<std::string, std::string> m;
    for (const auto &[k, v] : connection_params(spec)) m[k] = v;  // the last value wins, as in libpq
    return m;
}

// A clean libpq environment for each test.
class ConnParams : public ::testing::Test {
  protected:
    void SetUp() override {
        for (const char *v : {"PGSSLMODE", "PGCONNECT_TIMEOUT", "PGSERVICE", "PGSERVICEFILE"}) unsetenv(v);
    }
};

}  // namespace

TEST_F(ConnParams, DefaultsWhenNothingIsGiven) {
    ConnSpec spec;
    spec.dbname = "postgres";
    auto m = params_of(spec);
    EXPECT_EQ(m["sslmode"], "prefer");
    EXPECT_EQ(m["keepalives"], "1");
    EXPECT_EQ(m["keepalives_idle"], "30");
    EXPECT_EQ(m["keepalives_interval"], "10");
    EXPECT_EQ(m["keepalives_count"], "5");
    EXPECT_EQ(m["connect_timeout"], "10");
    EXPECT_EQ(m["tcp_user_timeout"], "80000");
    EXPECT_EQ(m["fallback_application_name"], "docextract");
    EXPECT_EQ(m["dbname"], "postgres");
    EXPECT_EQ(connection_params(spec).back().first, "dbname");  // last: its keywords win
}

TEST_F(ConnParams, ConnectionStringWins) {
    ConnSpec spec;
    spec.dbname = "host=db.example keepalives_idle=5 sslmode=verify-full";
    auto m = params_of(spec);
    EXPECT_EQ(m.count("keepalives_idle"), 0u);
    EXPECT_EQ(m.count("sslmode"), 0u);
    EXPECT_EQ(m["keepalives_interval"], "10");
}

TEST_F(ConnParams, UriWins) {
    ConnSpec spec;
    spec.dbname = "postgresql://db.example/app?connect_timeout=3";
    auto m = params_of(spec);
    EXPECT_EQ(m.count("connect_timeout"), 0u);
    EXPECT_EQ(m["keepalives_count"], "5");
}

TEST_F(ConnParams, EnvironmentWins) {
    setenv("PGSSLMODE", "require", 1);
    setenv("PGCONNECT_TIMEOUT", "2", 1);
    ConnSpec spec;
    auto m = params_of(spec);
    EXPECT_EQ(m.count("sslmode"), 0u);
    EXPECT_EQ(m.count("connect_timeout"), 0u);
    EXPECT_EQ(m["keepalives_idle"], "30");
    unsetenv("PGSSLMODE");
    unsetenv("PGCONNECT_TIMEOUT");
}

TEST_F(ConnParams, ServiceFileWins) {
    const std::string path = ::testing::TempDir() + "/docextract_pg_service.conf";
    {
        std::ofstream f(path);
        f << "[docx]\nhost=db.example\nkeepalives_idle=7\nconnect_timeout=4\n";
    }
    setenv("PGSERVICEFILE", path.c_str(), 1);
    ConnSpec spec;
    spec.dbname = "service=docx";
    auto m = params_of(spec);
    EXPECT_EQ(m.count("keepalives_idle"), 0u);
    EXPECT_EQ(m.count("connect_timeout"), 0u);
    EXPECT_EQ(m["keepalives_count"], "5");
    EXPECT_EQ(std::getenv("PGSERVICE"), nullptr);  // looked up without leaving it set
    unsetenv("PGSERVICEFILE");
}

TEST_F(ConnParams, CommandLineOptions) {
    ConnSpec spec;
    spec.host = "h";
    spec.port = "6432";
    spec.user = "u";
    spec.application_name = "docextract worker";
    auto m = params_of(spec);
    EXPECT_EQ(m["host"], "h");
    EXPECT_EQ(m["port"], "6432");
    EXPECT_EQ(m["user"], "u");
    EXPECT_EQ(m["fallback_application_name"], "docextract worker");
    EXPECT_EQ(m.count("dbname"), 0u);
}

TEST(Uuid, Forms) {
    EXPECT_TRUE(looks_like_uuid("0b5f3c1e-8d1a-4c1b-9a43-1f2e3d4c5b6a"));
    EXPECT_TRUE(looks_like_uuid("0b5f3c1e8d1a4c1b9a431f2e3d4c5b6a"));
    EXPECT_FALSE(looks_like_uuid("0b5f3c1e-8d1a-4c1b-9a43-1f2e3d4c5b6"));
    EXPECT_FALSE(looks_like_uuid("0b5f3c1e-8d1a-4c1b-9a43-1f2e3d4c5b6g"));
    EXPECT_FALSE(looks_like_uuid("0b5f3c1e8-d1a-4c1b-9a43-1f2e3d4c5b6a"));
    EXPECT_FALSE(looks_like_uuid(""));
}

TEST(Messages, OneLine) {
    EXPECT_EQ(one_line("server closed the connection unexpectedly\n"
                       "\tThis probably means the server terminated abnormally\n"
                       "\tbefore or while processing the request.\n"
                       "server closed the connection unexpectedly\n"
                       "\tThis probably means the server terminated abnormally\n"
                       "\tbefore or while processing the request.\n"),
              "server closed the connection unexpectedly This probably means the server terminated"
              " abnormally before or while processing the request.");
    EXPECT_EQ(one_line("could not receive data from server: Connection timed out\n"
                       "SSL SYSCALL error: Connection timed out"),
              "could not receive data from server: Connection timed out; SSL SYSCALL error: Connection timed out");
    EXPECT_EQ(one_line("job 1 completed in 5 ms"), "job 1 completed in 5 ms");
    EXPECT_EQ(one_line(""), "");
}

TEST(Metrics, LabelEscaping) {
    EXPECT_EQ(escape_label_value("plain"), "plain");
    EXPECT_EQ(escape_label_value("a\"b"), "a\\\"b");
    EXPECT_EQ(escape_label_value("a\\b"), "a\\\\b");
    EXPECT_EQ(escape_label_value("a\nb"), "a\\nb");
}

TEST(Metrics, Exposition) {
    Metrics m;
    m.claimed = 3;
    m.completed = 2;
    m.helper_ms = 1500;
    m.in_flight = 1;
    const std::string text = m.render("w\"1");
    EXPECT_NE(text.find("# TYPE docextract_worker_jobs_claimed_total counter\n"
                        "docextract_worker_jobs_claimed_total{worker=\"w\\\"1\"} 3\n"),
              std::string::npos);
    EXPECT_NE(text.find("docextract_worker_jobs_completed_total{worker=\"w\\\"1\"} 2\n"), std::string::npos);
    EXPECT_NE(text.find("# TYPE docextract_worker_jobs_in_flight gauge\n"
                        "docextract_worker_jobs_in_flight{worker=\"w\\\"1\"} 1\n"),
              std::string::npos);
    EXPECT_NE(text.find("docextract_worker_helper_seconds_total{worker=\"w\\\"1\"} 1.500\n"), std::string::npos);
    EXPECT_EQ(text.back(), '\n');
}
