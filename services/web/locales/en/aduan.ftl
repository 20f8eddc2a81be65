# aduan's pages in English. Every key here is in ../id/aduan.ftl too (a test checks).

skip-to-content = Skip to the content
nav-label = Main
nav-workspace = Workspace
nav-verification = Verification queue
nav-administration = Administration
nav-account = My account
sign-in = Sign in
sign-out = Sign out
signed-out = You are signed out.
footer = aduan: complaints about public services, answered under one procedure.
whole-country = The whole country
page-next = Next page
page-of = Page of { $count }
rows-shown = { $count } shown

landing-title = Complaints about public services
landing-text = Citizens file complaints, aspirations and information requests; every institution answers them under the same procedure and clocks.
landing-staff = Staff: sign in to your workspace

sign-in-title = Sign in to aduan
username = Username
password = Password
totp-code = Code from your authenticator app
totp-code-hint = Only if you have set up a second factor: the 6 digits the app shows now.
totp-enrol-first = Before anything else, set up your second factor.

workspace-title = Workspace
workspace-hello = Welcome, { $name }.
workspace-nothing = Your account holds no role yet: ask an administrator.
link-inbox = Inbox
link-overdue = Overdue
link-supporting = Cases we support
link-branches = Forwarded to us
link-approvals = Waiting for approval
inbox-views = Lists
inbox-empty = Nothing here.

filter-status = Status
filter-apply = Show
filter-any = Any
filter-overdue-first = Overdue first

col-tracking-code = Tracking code
col-title = Title
col-status = Status
col-detail = Detail
days-late = { $days } working days late
due-on = due { $date }
escalated-times = escalated { $count } times
clock-paused = paused, waiting for the citizen

case-institution = Institution
case-category = Category
case-region = Region
case-kind = Kind
case-privacy = Privacy
case-tier = Tier
case-description = What the citizen wrote
case-withheld = Confidential: only the verifier and the institution handling it read it.
case-clocks = Clocks
case-no-clocks = No clock is running.
case-actions = What you can do now
case-branches = Forwarded to units
case-supporters = Supporting institutions
case-timeline = Timeline
case-more-entries = Older steps
case-pending-approval = a resolution waits for a supervisor's approval

field-follow-up = Follow-up for the citizen
field-question = Question for the citizen
field-resolution = The resolution, as the citizen will read it
field-return-reason = Why it is not this institution's authority
field-forward-note = What the unit should do
field-support-note = What you ask of them
field-review-note = A note (required when sending back)
field-contribution = Your institution's part
field-branch-answer = The unit's answer
field-unit = Unit
field-supporter = As the institution
field-branch = Branch
field-institution-id = Institution id
field-institution-id-hint = As in the registry, e.g. bandung-dpu.
field-archive-reason = Reason
field-note-to-citizen = A note for the citizen (optional)
field-privacy-reason = Why (the citizen reads it)

review-legend = Your decision
review-approve = Approve: the citizen sees the resolution
review-send-back = Send back to the officer

done-step = Done: { $step }.
done-proposed = The resolution waits for a supervisor's approval.

queue-verify-by = Verify by
queue-returned-by = Returned by
queue-duplicates = Possible duplicates
queue-merge-into = Merge into this one
queue-assign = Assign
queue-defer = Ask the citizen to clarify
queue-archive = Archive
queue-privacy = Raise privacy
queue-empty = No report waits for verification.
queue-suggested = The rules would send it to { $institution }.
queue-no-suggestion = No rule places it: choose the institution.
tier-by-category = As the kind implies

account-name = Name
account-roles = Roles
account-second-factor = Second factor
account-totp-on = on
account-totp-off = not set up
account-password = Password
totp-start = Set up a second factor
totp-scan = Add this account to your authenticator app, then type the code it shows.
totp-open-app = Open in the authenticator app
totp-secret = Or type this key:
totp-confirm = Confirm
totp-enrolled = Your second factor is on.
password-current = Current password
password-new = New password
password-new-hint = 12 to 128 characters, not a common password, not your username.
password-change = Change password
password-changed = Your password is changed.

tester-title = Where would a report go?
tester-ask = Ask
tester-goes-to = It would go to { $institution }.
tester-by-rule = By the rule for region { $region }.
tester-by-fallback = By the rule for { $region }, a region that contains it.
tester-by-national-rule = By the rule for the whole country.
tester-by-verifier = No rule places it: the national verifier would place it by hand.
rule-title = Add or change a routing rule
rule-region-hint = A region code, or * for the whole country.
rule-save = Save the rule
holiday-title = Add a holiday
holiday-date = Date
holiday-name = Name
holiday-save = Save the holiday
holiday-list = Holidays ahead
registry-changed = The registry is now at version { $version }.
users-title = Users
user-role = Role
user-institution-hint = Required for coordinators, officers and supervisors; empty for the whole country.
user-create = Create the user
user-created = { $username } can now sign in.
user-active = active
user-disabled = disabled

error-back = Back to the workspace
error-code = Code: { $code }
error-forbidden = Not yours to see
error-forbidden-text = Your roles do not reach this page, case or step.
error-not-found = Not found
error-not-found-text = There is nothing at this address.
error-refused = Not possible
error-refused-text = This step cannot be taken now.
error-too-many = Too many attempts
error-too-many-text = Wait a little and try again.
error-unavailable = Unavailable for a moment
error-unavailable-text = A service did not answer. Try again in a moment.
error-internal = Something went wrong
error-internal-text = It has been logged. Try again.
error-invalid_credentials = The username or the password is wrong.
error-totp_required = This account has a second factor: type the code from your authenticator app.
error-too_many_attempts = Too many failed sign-ins: wait a while before trying again.
error-weak_password = That password is too weak: 12 to 128 characters, not a common one, not your username.
error-not_permitted = None of your roles may do this.
error-outside_scope = This is outside the institutions your roles cover.
error-illegal_transition = The procedure does not allow this step in the case's current state.
error-resolution_pending = A resolution already waits for a supervisor's approval.
error-invalid_date = That is not a date.

role-verifier = Verifier
role-coordinator = Coordinator
role-officer = Officer
role-supervisor = Supervisor
role-auditor = Auditor
role-administrator = Administrator

status-open = Open
status-submitted = Submitted
status-deferred = Waiting for clarification
status-assigned = Assigned
status-in_follow_up = In follow-up
status-awaiting_citizen = Waiting for the citizen
status-reopened = Reopened
status-resolved = Resolved
status-closed = Closed
status-appealed = Appealed
status-returned = Returned
status-archived = Archived
status-merged = Merged
status-referred_to_ombudsman = Referred to the ombudsman

clock-first_follow_up = First follow-up
clock-resolution = Resolution
clock-citizen_silence = The citizen's silence
clock-citizen_answer = The citizen's answer

branch-open = open
branch-answered = answered
branch-withdrawn = withdrawn

entry-follow_up = Follow-up
entry-resolution = Resolution
entry-resolution_proposed = Resolution proposed
entry-resolution_sent_back = Resolution sent back
entry-return = Returned
entry-question = Question to the citizen
entry-citizen_reply = The citizen's reply
entry-unit_answer = A unit's answer
entry-support = Support given
entry-support_requested = Support asked
entry-forwarded = Forwarded

kind-complaint = Complaint
kind-aspiration = Aspiration
kind-information_request = Information request

privacy-public = Public
privacy-anonymous = Anonymous
privacy-confidential = Confidential

tier-simple = Simple
tier-information_request = Information request
tier-dispute_without_field_check = Dispute without a field check
tier-field_investigation = Field investigation

step-follow_up = Write a follow-up
step-ask_citizen = Ask the citizen
step-resolve = Resolve
step-return = Return: not our authority
step-forward = Forward to a unit
step-ask_support = Ask another institution for support
step-review_resolution = Review the proposed resolution
step-contribute = Write our part as supporter
step-answer_branch = Answer as the unit

verifier-step-assignment = Assigned
verifier-step-deferral = Asked the citizen to clarify
verifier-step-archival = Archived
verifier-step-merger = Merged
verifier-step-privacy = Privacy raised

archive-not_public_service = Not about a public service
archive-too_vague = Too vague to act on
archive-spam = Spam
