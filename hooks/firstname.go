package hooks

import "github.com/mentiondesk/mentiondesk/hooks/replies"

// firstNameOf names an assigner in notifications the way a reply's
// {{agent}} does; the rule lives with the templates (hooks/replies). It
// goes when the notifier becomes a package of its own.
var firstNameOf = replies.FirstNameOf
