//! The user's keys and credentials: removing, moving away or over, and writing into them is
//! refused however it is spelled; reading them, listing them and creating new keys is not.

use super::*;

#[rustfmt::skip]
const KEYS: &[(bool, &str)] = &[
    // --- ~/.ssh ---
    (D, "rm ~/.ssh/id_rsa"),
    (D, "rm -f ~/.ssh/id_ed25519 ~/.ssh/id_ed25519.pub"),
    (D, "rm $HOME/.ssh/authorized_keys"),
    (D, "rm /home/u/.ssh/id_*"),
    (D, "unlink ~/.ssh/id_rsa"),
    (D, "mv ~/.ssh/id_rsa /tmp/x"),
    (D, "mv new_key ~/.ssh/id_rsa"),
    (D, "mv ~/.ssh ~/.ssh.old"),
    (D, "cp other.key ~/.ssh/id_rsa"),
    (D, "ln -sf /dev/null ~/.ssh/authorized_keys"),
    (D, "echo 'ssh-ed25519 AAAA… attacker' >> ~/.ssh/authorized_keys"),
    (D, "cat key.pub > ~/.ssh/authorized_keys"),
    (D, "echo x | tee -a ~/.ssh/authorized_keys"),
    (D, "truncate -s 0 ~/.ssh/id_rsa"),
    (D, "sed -i '/github/d' ~/.ssh/authorized_keys"),
    (D, "dd if=/dev/zero of=~/.ssh/id_rsa count=1"),
    (D, "cd ~/.ssh && rm id_rsa"),
    (D, "cd && rm .ssh/id_rsa"),
    (D, "sudo rm -f /home/u/.ssh/id_rsa"),
    (D, "echo '' > ~/.ssh/config"), // overwriting the config loses every host entry
    (D, "yes | ssh-keygen -t rsa -f ~/.ssh/id_rsa -N ''"),
    (D, "ssh-keygen -q -t ed25519 -N '' -f $HOME/.ssh/id_ed25519 <<< y"),
    (D, "ssh-keygen -f~/.ssh/id_rsa"),
    // --- the other keyrings and tokens ---
    (D, "rm -f ~/.gnupg/pubring.kbx"),
    (D, "mv ~/.gnupg /tmp/"),
    (D, "gpg --batch --yes --delete-secret-keys ABCD1234"),
    (D, "gpg --delete-key ABCD1234"),
    (D, "rm ~/.aws/credentials"),
    (D, "echo '[default]' > ~/.aws/credentials"),
    (D, "mv ~/.aws ~/aws-backup"),
    (D, "cp creds.ini /home/u/.aws/credentials"),
    (D, "rm ~/.config/gh/hosts.yml"),
    (D, "echo 'github.com:' > ~/.config/gh/hosts.yml"),
    (D, "rm ~/.netrc"),
    (D, "printf 'machine x login y password z\\n' >> ~/.netrc"),
    (D, "rm ~/.git-credentials"),
    // --- every account home's token, the active ~/.claude included ---
    (D, "rm ~/.claude/.credentials.json"),
    (D, "echo '{}' > ~/.claude/.credentials.json"),
    (D, "mv ~/.claude-main/.credentials.json /tmp/"),

    // ================= allowed: reading, listing, new keys =================
    (A, "cat ~/.ssh/id_rsa.pub"),
    (A, "cat ~/.ssh/id_rsa"),
    (A, "ls -la ~/.ssh"),
    (A, "cp ~/.ssh/id_rsa.pub ./deploy.pub"),
    (A, "ssh -i ~/.ssh/id_rsa host true"),
    (A, "ssh-keygen -t ed25519 -f ~/.ssh/id_ed25519_deploy -N ''"),
    (A, "ssh-keygen -t ed25519 -f ./test_key -N ''"),
    (A, "ssh-keygen -lf ~/.ssh/id_rsa.pub"),
    (A, "ssh-keygen -y -f ~/.ssh/id_rsa > id_rsa.pub"),
    (A, "ssh-keygen -f ~/.ssh/known_hosts -R 192.168.1.1"),
    (A, "ssh-keygen -R github.com"),
    (A, "ssh-keyscan github.com >> ~/.ssh/known_hosts"),
    (A, "printf 'Host x\\n  User y\\n' >> ~/.ssh/config"),
    (A, "chmod 600 ~/.ssh/id_rsa"),
    (A, "chmod 700 ~/.ssh"),
    (A, "mkdir -p ~/.ssh"),
    (A, "touch ~/.ssh/config"),
    (A, "ssh-add ~/.ssh/id_rsa"),
    (A, "gpg --list-secret-keys"),
    (A, "gpg --export -a ABCD1234 > pub.asc"),
    (A, "cat ~/.aws/credentials"),
    (A, "aws configure list"),
    (A, "cp ~/.aws/config ./aws-config.bak"),
    (A, "echo '[profile x]' >> ~/.aws/config"),
    (A, "cp -r nvim ~/.config/"),
    (A, "rm ~/.config/app/cache.json"),
    (A, "gh auth status"),
    (A, "rm tests/fixtures/.credentials.json"), // inside the project: a fixture
    (A, "rm ~/notes/$f"),
    (A, "grep -r ssh-rsa ~/.ssh/authorized_keys"),
];

#[test]
fn keys_and_credentials() {
    check_table(KEYS);
}

#[test]
fn file_tools_on_keys() {
    let g = guard();
    let f = fixture();
    let c = ctx(&f);
    let deny = |tool: &str, input: Value| matches!(g.check(tool, &input, &c), Decision::Deny(_));
    assert!(deny("Write", json!({"file_path": "/home/u/.ssh/authorized_keys", "content": "x"})));
    assert!(deny("Edit", json!({"file_path": "~/.aws/credentials"})));
    assert!(deny("Write", json!({"file_path": "~/.claude/.credentials.json"})));
    assert!(!deny("Read", json!({"file_path": "/home/u/.ssh/id_rsa"})));
    assert!(!deny("Write", json!({"file_path": "/home/u/.config/nvim/init.lua"})));
    assert!(!deny("Write", json!({"file_path": "/home/u/.aws/config"})));
}

#[test]
fn key_reasons_name_what_is_at_stake() {
    let g = guard();
    let reason = |cmd: &str| match bash(&g, cmd) {
        Decision::Deny(r) => r,
        Decision::Allow => panic!("{cmd:?} allowed"),
    };
    let r = reason("rm ~/.ssh/id_rsa");
    assert!(r.contains("removes /home/u/.ssh/id_rsa") && r.contains("SSH keys"), "{r}");
    let r = reason("echo k >> ~/.ssh/authorized_keys");
    assert!(r.contains("writes into /home/u/.ssh/authorized_keys"), "{r}");
    let r = reason("mv ~/.aws/credentials x");
    assert!(r.contains("AWS credentials"), "{r}");
}
