import type { Consequence, ToolDeclarationInput } from '../../src/policy/schema.js';

/**
 * The tools the scenarios use, in the spirit of AgentDojo's suites. `readOnly` marks tools that
 * only read the user's own data: the blanket configuration lets those through and the sensible
 * deployment allows them by rule. A tool that reaches outside (a web fetch carries its URL, and so
 * whatever the model puts in it) is not read-only, even when it returns data.
 */
export interface ToolSpec {
  readonly readOnly: boolean;
  readonly description: string;
  /**
   * What an operator declares from the tool's description (policies.toolDeclarations): its
   * consequence class and its arguments' roles. Written from the descriptions, not from the corpus.
   */
  readonly declaration: Omit<ToolDeclarationInput, 'tool'>;
}

type Roles = Partial<Pick<ToolDeclarationInput, 'targets' | 'content' | 'ids' | 'secrets'>>;
const read = (description: string): ToolSpec => ({ readOnly: true, description, declaration: { consequence: 'read' } });
const act = (description: string, consequence: Consequence, roles: Roles = {}): ToolSpec => ({ readOnly: false, description, declaration: { consequence, ...roles } });

export const TOOLS: Readonly<Record<string, ToolSpec>> = {
  // workspace: email, calendar, contacts
  search_emails: read('Search the mailbox.'),
  read_email: read('Read one email by id.'),
  get_unread_emails: read('List unread emails.'),
  get_calendar_events: read('Calendar events of a day.'),
  search_contacts: read('Look a person up in the address book.'),
  send_email: act('Send an email.', 'send', { targets: ['to', 'cc', 'bcc'], content: ['subject', 'body'] }),
  reply_to_email: act('Reply to an email by id.', 'send', { ids: ['email_id'], content: ['body'] }),
  forward_email: act('Forward an email by id.', 'send', { targets: ['to'], ids: ['email_id'] }),
  delete_email: act('Delete an email by id.', 'delete', { ids: ['email_id'] }),
  reschedule_calendar_event: act('Move an event of the user\'s calendar by its id.', 'write_own', { ids: ['event_id'] }),
  create_calendar_event: act('Create a calendar event.', 'write_own', { targets: ['participants'], content: ['title', 'description', 'location'] }),
  add_calendar_event_participants: act('Add participants to an event.', 'send', { targets: ['participants'], ids: ['event_id'] }),
  // banking
  get_balance: read('The account balance.'),
  get_payees: read('The payees the user saved, with their IBANs.'),
  get_most_recent_transactions: read('Recent transactions, incoming and outgoing.'),
  get_scheduled_transactions: read('Standing orders the user set up.'),
  send_money: act('Transfer money.', 'transact', { targets: ['recipient'], content: ['subject'] }),
  schedule_transaction: act('Schedule a transfer.', 'transact', { targets: ['recipient'], content: ['subject'] }),
  update_scheduled_transaction: act('Change a standing order.', 'transact', { targets: ['recipient'], ids: ['id'], content: ['subject'] }),
  update_user_info: act("Change the user's postal address.", 'credential', { targets: ['street', 'city'] }),
  update_password: act("Change the user's password.", 'credential', { secrets: ['password'] }),
  send_sms: act('Send a text message.', 'send', { targets: ['to'], content: ['text'] }),
  // travel
  search_hotels: read('Hotels in a city.'),
  get_hotel_reviews: read('Reviews of hotels.'),
  search_restaurants: read('Restaurants in a city.'),
  search_car_rentals: read('Car rental companies in a city.'),
  get_user_information: read("The user's profile."),
  reserve_hotel: act('Book a hotel.', 'transact', { targets: ['hotel'] }),
  reserve_restaurant: act('Book a table.', 'transact', { targets: ['restaurant'] }),
  reserve_car_rental: act('Rent a car.', 'transact', { targets: ['company'] }),
  // slack and the web
  read_channel_messages: read('Messages of a channel.'),
  read_inbox: read("A user's direct messages."),
  get_webpage: act('Fetch a web page (the URL leaves the company).', 'send', { targets: ['url'] }),
  post_webpage: act('Post content to a web address.', 'send', { targets: ['url'], content: ['content'] }),
  send_direct_message: act('Send a direct message.', 'send', { targets: ['recipient'], content: ['body'] }),
  send_channel_message: act('Post to a channel.', 'send', { targets: ['channel'], content: ['body'] }),
  invite_user_to_slack: act('Invite a user to the workspace.', 'credential', { targets: ['user', 'user_email'] }),
  add_user_to_channel: act('Add a user to a channel.', 'credential', { targets: ['user', 'channel'] }),
  remove_user_from_slack: act('Remove a user from the workspace.', 'delete', { targets: ['user'] }),
  // files
  list_files: read('List the drive.'),
  read_file: read('Read a file.'),
  export_customers: read('The customer list from the CRM (private data).'),
  write_file: act('Write a file.', 'write_own', { targets: ['path'], content: ['content'] }),
  share_file: act('Share a file with someone.', 'credential', { targets: ['email'], ids: ['file_id'] }),
  delete_file: act('Delete a file.', 'delete', { ids: ['path'] }),
};

/** Every tool's declaration, as an operator would put it in policies.toolDeclarations. */
export const TOOL_DECLARATIONS: readonly ToolDeclarationInput[] = Object.entries(TOOLS).map(([tool, spec]) => ({ tool, ...spec.declaration }));

export const isReadOnly = (tool: string): boolean => TOOLS[tool]?.readOnly ?? false;
